#!/usr/bin/env python3
"""The Xenos scenario: two coordinators driven through their public XML-RPC API
by Python's standard xmlrpc.client, nothing of the project's own client code.

On a source host and a target host (each with its coordinator):
  - system.listMethods and xenos.hostInfo on both; from the source, a search for
    hosts by several attributes of the target (never its name) that finds it;
  - an instance of a small guest template on the source, started, up on its console
    (the test guest then writes a marker naming its boot on its disk);
  - the template replicated to the target over the overlay, checked by hash there;
  - the running guest migrated live with its disk image to the host a search
    query finds; it keeps its id and owner, the target lists it running and the
    source no longer does, and the same guest reads its marker back from the disk
    on the target;
  - optionally the target's coordinator killed and started again: it reattaches
    to the guest;
  - a checkpoint, a save that stops it and a restore, pause and unpause, stop,
    destroy; serviceStats after each step, and each step's events.
With the fault hooks, also: the target's coordinator killed (SIGKILL) while a
migration to it is under way leaves the service running on the source and
nothing on the target.

Each step prints its wall-clock duration and, when the hosts' clock is a
simulation's, its duration on that clock; --json writes them as JSON lines.
--compare joins the results of a run on real Xen and one on simulated hosts
into one table and judges C12 (control-plane calls are sub-second against the
data movement), unless the machine was too busy for the wall time left after
the toolstack's calls to be Xenos' own (it then says so). Exit status 0 when every step held, 1 when one did not, 2 for a
usage error.

Commands given as options are split like a shell would (shlex) and run without
a shell; {name}, {path}, {id} are filled in with the guest's domain name, an
image path relative to the image store, and a service id.
"""
import argparse
import hashlib
import http.client
import ipaddress
import json
import os
import shlex
import ssl
import subprocess
import sys
import threading
import time
import uuid
import xmlrpc.client
from datetime import datetime
from urllib.parse import quote, urlsplit, urlunsplit

# Methods the scenario relies on (the coordinator serves more).
REQUIRED_METHODS = [
    'system.listMethods', 'xenos.hostInfo', 'xenos.searchHosts', 'xenos.listTemplates', 'xenos.createInstance',
    'xenos.startService', 'xenos.getService', 'xenos.listServices', 'xenos.replicateTemplate', 'xenos.migrateService',
    'xenos.checkpointService', 'xenos.restoreService', 'xenos.pauseService', 'xenos.unpauseService',
    'xenos.stopService', 'xenos.destroyService', 'xenos.serviceStats', 'xenos.events'
]
# Steps that move no data: C12 wants each of them sub-second.
CONTROL_PLANE_STEPS = ['listMethods', 'hostInfo', 'searchHosts', 'lookup', 'serviceStats', 'events']
MARKER_PREFIX = 'xenos-marker-'
# C12: the control plane's work during a data movement is under this share of it (the finding's 5%).
C12_SHARE = 0.05
# C12 is judged only when the machine's load average stayed at most this many times its cores while
# the steps ran: two emulated hosts keep about two cores busy on their own, and beyond that the wall
# time left after the toolstack's calls is this machine's queue for a CPU, not Xenos' own work.
C12_MAX_LOAD_PER_CORE = 2


class StepFailed(Exception):
    """A step did not hold: what was expected and what was found."""

    def __init__(self, step, expected, found):
        super().__init__(f'{step}: expected {expected}, found {found}')
        self.step = step


class _Timeout:
    """A socket timeout on xmlrpc.client's connections (a migration's call lasts minutes)."""

    def __init__(self, timeout_s, **kw):
        super().__init__(**kw)
        self.timeout_s = timeout_s

    def make_connection(self, host):
        conn = super().make_connection(host)
        conn.timeout = self.timeout_s
        return conn


class TimeoutTransport(_Timeout, xmlrpc.client.Transport):
    """xmlrpc.client's HTTP transport with a socket timeout."""


class TimeoutSafeTransport(_Timeout, xmlrpc.client.SafeTransport):
    """xmlrpc.client's HTTPS transport with a socket timeout."""


class CertificateMismatch(OSError):
    """The host's API certificate is not the pinned one."""


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """An HTTPS connection that accepts only the certificate whose SHA-256 fingerprint it was given,
    checked after the handshake and before any request (so a wrong certificate never sees a token)."""

    def __init__(self, host, fingerprint, **kw):
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # the pin below is the check
        super().__init__(host, context=context, **kw)
        self.fingerprint = fingerprint

    def connect(self):
        super().connect()
        der = self.sock.getpeercert(binary_form=True)
        found = fingerprint_of(der)
        if found != self.fingerprint:
            self.close()
            raise CertificateMismatch(f'expected the API certificate with SHA-256 fingerprint {self.fingerprint}, found {found}')


class PinnedTransport(xmlrpc.client.SafeTransport):
    def __init__(self, timeout_s, fingerprint, **kw):
        super().__init__(**kw)
        self.timeout_s = timeout_s
        self.fingerprint = fingerprint

    def make_connection(self, host):
        if self._connection and host == self._connection[0]:
            return self._connection[1]
        chost, self._extra_headers, _ = self.get_host_info(host)
        self._connection = host, PinnedHTTPSConnection(chost, self.fingerprint, timeout=self.timeout_s)
        return self._connection[1]


def fingerprint_of(der):
    """SHA-256 of a DER certificate as Node and OpenSSL print it (AB:CD:...)."""
    digest = hashlib.sha256(der).hexdigest().upper()
    return ':'.join(digest[i:i + 2] for i in range(0, len(digest), 2))


def normalize_fingerprint(text, flag):
    digits = text.replace(':', '').strip().upper()
    if len(digits) != 64 or any(c not in '0123456789ABCDEF' for c in digits):
        raise ValueError(f'{flag}: expected a SHA-256 fingerprint (64 hexadecimal digits, colons allowed), found "{text}"')
    return ':'.join(digits[i:i + 2] for i in range(0, 64, 2))


def is_loopback(hostname):
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return hostname == 'localhost'


HOST_COMMANDS = ('console', 'sha256', 'domains', 'leftovers', 'kill', 'start')
"""The commands a scenario may run to look at a host's Domain 0 (each optional)."""


class Host:
    """One coordinator: its API, and the optional commands that look at its Domain 0."""

    def __init__(self, role, url, user, token, call_timeout_s, cafile=None, fingerprint=None, commands=None):
        commands = commands or {}
        unknown = sorted(set(commands) - set(HOST_COMMANDS))
        if unknown:
            raise ValueError(f'host commands: expected some of {", ".join(HOST_COMMANDS)}, found {", ".join(unknown)}')
        self.role = role
        self.url = url
        self.user = user
        self.token = token
        self.timeout_s = call_timeout_s
        self.cafile = cafile
        self.fingerprint = fingerprint
        self.commands = {k: commands.get(k) for k in HOST_COMMANDS}
        self.hostname = None
        self.simulated = False

    def api(self, timeout_s=None):
        """A fresh ServerProxy (one per call: a proxy is not thread-safe)."""
        parts = urlsplit(self.url)
        netloc = f'{quote(self.user, safe="")}:{quote(self.token, safe="")}@{parts.hostname}' + (f':{parts.port}' if parts.port else '')
        url = urlunsplit((parts.scheme, netloc, parts.path or '/RPC2', parts.query, ''))
        t = timeout_s or self.timeout_s
        if parts.scheme == 'https' and self.fingerprint:
            transport = PinnedTransport(t, self.fingerprint, use_builtin_types=True)
        elif parts.scheme == 'https':
            context = ssl.create_default_context(cafile=self.cafile)
            transport = TimeoutSafeTransport(t, context=context, use_builtin_types=True)
        else:
            transport = TimeoutTransport(t, use_builtin_types=True)
        return xmlrpc.client.ServerProxy(url, transport=transport, allow_none=True, use_builtin_types=True)

    def call(self, method, *params, timeout_s=None):
        fn = self.api(timeout_s)
        for part in method.split('.'):
            fn = getattr(fn, part)
        try:
            return fn(*params)
        except xmlrpc.client.Fault as f:
            raise ApiFault(self, method, f.faultCode, f.faultString) from None
        except (OSError, http.client.HTTPException, xmlrpc.client.ProtocolError) as e:
            raise ApiUnreachable(self, method, e) from None

    def has(self, command):
        return self.commands[command] is not None

    def run(self, command, **fill):
        template = self.commands[command]
        argv = [a.format(**fill) for a in shlex.split(template)]
        r = subprocess.run(argv, capture_output=True, text=True, timeout=300)
        return r.returncode, r.stdout, r.stderr

    def clock(self):
        """Seconds on the host's driver clock (only asked of simulated hosts: on real Xen it is the wall clock)."""
        return self.call('xenos.hostInfo').get('clockS')


class ApiFault(Exception):
    def __init__(self, host, method, code, text):
        super().__init__(f'{method} on the {host.role} host answered fault {code}: {text}')
        self.code = code
        self.text = text


class ApiUnreachable(Exception):
    def __init__(self, host, method, err):
        super().__init__(f'{method}: the {host.role} host\'s API at {host.url} did not answer ({err})')


def wait_for(what, check, timeout_s, interval_s=2.0):
    """Polls check() until it returns something other than None; StepFailed after timeout_s."""
    deadline = time.monotonic() + timeout_s
    last = None
    while True:
        try:
            v = check()
        except (ApiFault, ApiUnreachable) as e:
            v, last = None, str(e)
        if v is not None:
            return v
        if time.monotonic() > deadline:
            raise StepFailed(what, f'it within {timeout_s:.0f} s', last or 'it never held')
        time.sleep(interval_s)


def add_connection_args(p, roles):
    """The options that reach the hosts' APIs (`roles`: the two hosts' names, each also the option of its URL)."""
    p.add_argument('--token', help='API token valid on both hosts')
    for role in roles:
        p.add_argument(f'--token-{role}', help=f'API token on the {role} host (default --token)')
    p.add_argument('--cafile', help='CA certificate(s) that sign the hosts\' HTTPS certificates')
    p.add_argument('--tls-fingerprint',
                   help='SHA-256 fingerprint of both hosts\' API certificate (as `xenos coordinator` prints it): pinned instead of a CA')
    for role in roles:
        p.add_argument(f'--tls-fingerprint-{role}', help=f'the {role} host\'s API certificate fingerprint (default --tls-fingerprint)')
    p.add_argument('--insecure-http', action='store_true',
                   help='INSECURE: allow http:// to a host that is not loopback (the token crosses the network in clear)')


def check_connection_args(p, opts, roles):
    """Refuses (usage error, exit 2) a missing URL or token, a malformed fingerprint, and clear HTTP off loopback."""
    missing = [f'--{role}' for role in roles if not getattr(opts, role)]
    if missing:
        p.error(f'{" and ".join(missing)} {"is" if len(missing) == 1 else "are"} required')
    if not (opts.token or all(getattr(opts, f'token_{role}') for role in roles)):
        per_host = ' and '.join(f'--token-{role}' for role in roles)
        p.error(f'--token (or {per_host}) is required')
    for flag in ['tls_fingerprint'] + [f'tls_fingerprint_{role}' for role in roles]:
        if getattr(opts, flag):
            try:
                setattr(opts, flag, normalize_fingerprint(getattr(opts, flag), '--' + flag.replace('_', '-')))
            except ValueError as e:
                p.error(str(e))
    for role in roles:
        parts = urlsplit(getattr(opts, role))
        if parts.scheme not in ('http', 'https') or not parts.hostname:
            p.error(f'--{role}: expected an http:// or https:// URL, found "{getattr(opts, role)}"')
        if parts.scheme == 'http' and not is_loopback(parts.hostname) and not opts.insecure_http:
            p.error(f'--{role}: expected https:// for a host that is not loopback (the token would cross the network in clear), '
                    f'found "{getattr(opts, role)}"; --insecure-http allows it')


def connect(role, opts, commands):
    """The host `role` from options checked by check_connection_args, with its Domain 0 `commands`."""
    return Host(role, getattr(opts, role), opts.user, getattr(opts, f'token_{role}') or opts.token, opts.call_timeout, opts.cafile,
                getattr(opts, f'tls_fingerprint_{role}') or opts.tls_fingerprint, commands)


class Scenario:
    def __init__(self, opts):
        self.opts = opts
        self.source = connect('source', opts, {k: getattr(opts, f'{k}_source') for k in HOST_COMMANDS})
        self.target = connect('target', opts, {k: getattr(opts, f'{k}_target') for k in HOST_COMMANDS})
        self.results = []
        self.events = {'source': [], 'target': []}
        self.cursor = {'source': (None, 0), 'target': (None, 0)}
        self.run_id = uuid.uuid4().hex[:6]
        self.backend = None
        self.json = open(opts.json, 'w', encoding='utf-8') if opts.json else None

    # ── output ──
    def say(self, text):
        print(text, flush=True)

    def record(self, step, wall_s, clock_s=None, **extra):
        started = extra.pop('startedAt', None)
        row = {'step': step, 'wallS': round(wall_s, 3), 'clockS': None if clock_s is None else round(clock_s, 3),
               'simulated': self.source.simulated, 'backend': self.backend, 'load1': round(os.getloadavg()[0], 2), **extra}
        if started is not None:
            row['startedAt'] = started
        self.results.append(row)
        if self.json is not None:
            self.json.write(json.dumps(row) + '\n')
            self.json.flush()
        clock = f', {clock_s:.3f} s simulated' if clock_s is not None else ''
        detail = f' ({extra["detail"]})' if extra.get('detail') else ''
        self.say(f'  {step:<22} {wall_s:9.3f} s wall{clock}{detail}')

    def timed(self, step, fn, clock_host=None, fields=None, **extra):
        """Runs fn(), records its wall time (and simulated time on simulated hosts) with fields(value) if given; returns fn's value."""
        h = clock_host or self.source
        c0 = h.clock() if h.simulated else None
        started = datetime.now().astimezone().isoformat()
        t0 = time.perf_counter()
        v = fn()
        wall = time.perf_counter() - t0
        c1 = h.clock() if h.simulated else None
        detail = extra.pop('detail', None)
        if callable(detail):
            detail = detail(v)
        if fields is not None:
            extra.update(fields(v))
        self.record(step, wall, None if c0 is None else c1 - c0, startedAt=started, detail=detail, **extra)
        return v

    def poll_events(self, label):
        """Fetches new events of both hosts and prints them: the event stream of each step."""
        lines = []
        for h in (self.source, self.target):
            boot, seq = self.cursor[h.role]
            try:
                page = h.call('xenos.events', seq if boot is not None else 0)
            except (ApiFault, ApiUnreachable):
                continue
            if boot is not None and page['bootCount'] != boot:
                page = h.call('xenos.events', 0)  # the host restarted: numbering began again
            self.cursor[h.role] = (page['bootCount'], page['nextSeq'])
            for e in page['events']:
                self.events[h.role].append(e)
                if boot is None:
                    continue  # events from before the scenario
                lines.append(f'{h.role} {e["kind"]}' + (f' {e.get("detail")}' if e.get('detail') else ''))
        if lines:
            self.say(f'      events after {label}: ' + '; '.join(lines))

    def stats(self, host, sid, label):
        s = self.timed('serviceStats', lambda: host.call('xenos.serviceStats', sid), clock_host=host,
                       detail=lambda s: f'after {label} on the {host.role}: {s["state"]}, uptime {s.get("uptimeS", 0):.1f} s, '
                                        f'cpu {s["usage"]["cpuTimeS"]:.1f} s')
        self.poll_events(label)
        return s

    # ── helpers ──
    def service_on(self, host, sid):
        return next((s for s in host.call('xenos.listServices') if s['id'] == sid), None)

    def console(self, host, domain):
        if not host.has('console'):
            return None
        code, out, err = host.run('console', name=domain)
        return out if code == 0 else None

    def wait_console(self, host, domain, what, predicate, timeout_s=None):
        """Waits until predicate(console text) returns a value; None when the host has no console command."""
        if not host.has('console'):
            return None
        return wait_for(f'the console of {domain} on the {host.role} host to show {what}',
                        lambda: predicate(self.console(host, domain) or ''), timeout_s or self.opts.guest_timeout)

    @staticmethod
    def marker_written(text):
        for line in text.splitlines():
            if 'xenos-guest: wrote disk marker ' in line:
                return line.split('wrote disk marker ', 1)[1].strip()
        return None

    @staticmethod
    def last_tick(text):
        ticks = [line for line in text.splitlines() if ' tick ' in line and 'boot id' in line]
        if not ticks:
            return None
        parts = ticks[-1].split()
        return parts[parts.index('id') + 1], int(parts[parts.index('tick') + 1])

    # ── the scenario ──
    def run(self):
        o = self.opts
        src, tgt = self.source, self.target
        self.say(f'Xenos scenario {self.run_id}: source {src.url}, target {tgt.url}')

        methods = self.timed('listMethods', lambda: (src.call('system.listMethods'), tgt.call('system.listMethods')),
                             detail=lambda m: f'{len(m[0])} and {len(m[1])} methods')
        for h, have in zip((src, tgt), methods):
            missing = [m for m in REQUIRED_METHODS if m not in have]
            if missing:
                raise StepFailed('listMethods', f'the {h.role} host to serve {", ".join(REQUIRED_METHODS)}', f'no {", ".join(missing)}')

        infos = self.timed('hostInfo', lambda: (src.call('xenos.hostInfo'), tgt.call('xenos.hostInfo')),
                           detail=lambda i: f'{i[0]["hostname"]} and {i[1]["hostname"]}, backend {i[0]["backend"]}')
        src.hostname, tgt.hostname = infos[0]['hostname'], infos[1]['hostname']
        self.backend = infos[0]['backend']
        src.simulated = tgt.simulated = infos[0].get('clock') == 'simulated'
        if src.hostname == tgt.hostname:
            raise StepFailed('hostInfo', 'two different hosts', f'{src.hostname} twice')
        if infos[1]['backend'] != self.backend:
            raise StepFailed('hostInfo', f'both hosts on backend {self.backend}', infos[1]['backend'])
        self.poll_events('the start')

        template = next((t for t in src.call('xenos.listTemplates') if t['name'] == o.template), None)
        if template is None:
            raise StepFailed('listTemplates', f'template {o.template} on the source host', 'none of that name')
        if any(t['name'] == o.template for t in tgt.call('xenos.listTemplates')):
            raise StepFailed('listTemplates', f'a target host that does not hold {o.template} yet (it must be replicated)', 'it holds it')
        memory = int(template['spec']['memoryMiB'])
        only_target = [t for t in infos[1]['tags'] if t not in infos[0]['tags']]
        if not only_target:
            raise StepFailed('hostInfo', 'a tag on the target host that the source host lacks (tags in its host.yaml)',
                             f'target tags {infos[1]["tags"]}, source tags {infos[0]["tags"]}')
        query = f'backend={self.backend} freeMemoryMiB>={memory} tag:{only_target[0]}'

        found = self.timed('searchHosts', lambda: src.call('xenos.searchHosts', query, {'deadlineMs': o.search_deadline_ms}),
                           detail=lambda r: f'"{query}": {", ".join(h["hostname"] for h in r["results"]) or "nothing"}')
        names = [h['hostname'] for h in found['results']]
        if found['nonResponders']:
            raise StepFailed('searchHosts', 'an answer from every host', f'no answer from {found["nonResponders"]}')
        if tgt.hostname not in names or src.hostname in names:
            raise StepFailed('searchHosts', f'"{query}" to find {tgt.hostname} and not {src.hostname}', names)

        name = f'scn-{self.run_id}'
        instance = {'name': name, 'clone': 'copy', 'attributes': {'scenario': self.run_id}}
        created = self.timed('createInstance', lambda: src.call('xenos.createInstance', o.template, instance),
                             detail=lambda s: f'service {s["id"]} ({s["domainName"]}), owner {s["owner"]}, {s["state"]}')
        sid, owner, domain = created['id'], created['owner'], created['domainName']
        self.poll_events('createInstance')
        started = self.timed('start', lambda: src.call('xenos.startService', sid), detail=lambda s: s['state'])
        if started['state'] != 'running':
            raise StepFailed('start', 'state running', started['state'])
        self.stats(src, sid, 'start')
        marker = None
        if src.has('console'):
            marker = self.timed('guestUp', lambda: self.wait_console(src, domain, 'the guest up and its disk marker written', self.marker_written),
                                detail=lambda m: f'console: up, wrote {m}')
            boot_id = marker[len(MARKER_PREFIX):]

        def replicate():
            return tgt.call('xenos.replicateTemplate', o.template, {'method': 'chunked'})
        rep = self.timed('replicateTemplate', replicate, clock_host=tgt,
                         detail=lambda r: f'{r["bytes"]} bytes from {", ".join(sorted(r["bytesBySource"]) or r["holders"])}, '
                                          f'already there: {r["alreadyPresent"]}')
        if rep['alreadyPresent'] or rep['bytes'] <= 0:
            raise StepFailed('replicateTemplate', 'bytes fetched over the overlay', rep)
        if not any(t['name'] == o.template for t in tgt.call('xenos.listTemplates')):
            raise StepFailed('replicateTemplate', f'{o.template} among the target\'s templates', 'it is not')
        if src.has('sha256') and tgt.has('sha256'):
            for img in template['images']:
                hashes = []
                for h in (src, tgt):
                    code, out, err = h.run('sha256', path=img['path'])
                    if code != 0:
                        raise StepFailed('replicateTemplate', f'the hash of {img["path"]} on the {h.role} host', err.strip() or f'exit {code}')
                    hashes.append(out.split()[0])
                if hashes[0] != hashes[1]:
                    raise StepFailed('replicateTemplate', f'{img["path"]} on the target to hash as on the source ({hashes[0]})', hashes[1])
                self.say(f'      {img["path"]}: sha256 {hashes[1][:16]}... on both hosts')
        self.poll_events('replicateTemplate')

        moved = self.timed('migrate', lambda: src.call('xenos.migrateService', sid, query, {'live': True, 'storage': 'stop-and-copy'}),
                           detail=lambda r: f'to {r["toHost"]} found by "{query}": xl {r["report"]["totalS"]:.1f} s, '
                                            f'downtime {r["report"]["downtimeS"]:.2f} s, '
                                            f'{r["report"]["diskBytes"]} disk bytes',
                           fields=lambda r: {'driverS': r['report']['totalS'], 'downtimeS': r['report']['downtimeS']})
        if moved['toHost'] != tgt.hostname or not moved.get('committed', True):
            raise StepFailed('migrate', f'the service committed on {tgt.hostname}', f'{moved["toHost"]}, committed {moved.get("committed")}')
        self.poll_events('migrate')
        self.check_moved(sid, owner)
        if marker is not None:
            def marker_read(t):
                return t if f'xenos-guest: disk says {marker}' in t and f'boot id {boot_id}' in t else None
            self.timed('markerReadBack', lambda: self.wait_console(tgt, domain, f'the marker {marker} read back from the disk there', marker_read),
                       clock_host=tgt, detail=f'the guest (boot {boot_id[:8]}...) read {marker} from its disk on the target')
        self.stats(tgt, sid, 'the migration')

        if tgt.has('kill') and tgt.has('start'):
            self.restart(tgt, sid, domain)

        ck = self.timed('checkpoint', lambda: tgt.call('xenos.checkpointService', sid, {'leaveRunning': True}), clock_host=tgt,
                        detail=lambda r: f'{r["checkpointPath"]}, {r["service"]["state"]}')
        if ck['service']['state'] != 'running':
            raise StepFailed('checkpoint', 'the service still running (leaveRunning)', ck['service']['state'])
        self.stats(tgt, sid, 'checkpoint')
        saved = self.timed('saveAndStop', lambda: tgt.call('xenos.checkpointService', sid, {'leaveRunning': False}), clock_host=tgt,
                           detail=lambda r: f'{r["checkpointPath"]}, {r["service"]["state"]}')
        if saved['service']['state'] != 'stopped':
            raise StepFailed('saveAndStop', 'the service stopped after its save', saved['service']['state'])
        before = self.last_tick(self.console(tgt, domain) or '') if tgt.has('console') else None
        restored = self.timed('restore', lambda: tgt.call('xenos.restoreService', sid), clock_host=tgt, detail=lambda s: s['state'])
        if restored['state'] != 'running':
            raise StepFailed('restore', 'state running', restored['state'])
        if before is not None:
            self.wait_console(tgt, domain, f'boot {before[0][:8]}... ticking past {before[1]} after the restore',
                              lambda t: t if (lt := self.last_tick(t)) is not None and lt[0] == before[0] and lt[1] > before[1] else None)
            self.say(f'      the restored guest is the same boot ({before[0][:8]}...) and ticks on from {before[1]}')
        self.stats(tgt, sid, 'restore')
        for step, method, want in (('pause', 'xenos.pauseService', 'paused'), ('unpause', 'xenos.unpauseService', 'running')):
            s = self.timed(step, lambda m=method: tgt.call(m, sid), clock_host=tgt, detail=lambda s: s['state'])
            if s['state'] != want:
                raise StepFailed(step, f'state {want}', s['state'])
            self.stats(tgt, sid, step)
        s = self.timed('stop', lambda: tgt.call('xenos.stopService', sid, {'timeoutS': o.stop_timeout, 'force': True}),
                       clock_host=tgt, detail=lambda s: s['state'])
        if s['state'] != 'stopped':
            raise StepFailed('stop', 'state stopped', s['state'])
        self.stats(tgt, sid, 'stop')
        self.timed('destroy', lambda: tgt.call('xenos.destroyService', sid), clock_host=tgt, detail='the service and its images are gone')
        if self.service_on(tgt, sid) is not None:
            raise StepFailed('destroy', f'no service {sid} on the target', 'it is still listed')
        self.poll_events('destroy')
        self.check_events(sid)

        if tgt.has('kill') and tgt.has('start') and src.has('domains') and tgt.has('domains'):
            self.fault_target_killed_mid_migration(query)
        self.say(f'Xenos scenario {self.run_id}: every step held')

    def check_moved(self, sid, owner):
        src, tgt = self.source, self.target
        there = self.timed('lookup', lambda: tgt.call('xenos.getService', sid), clock_host=tgt,
                           detail=lambda s: f'{s["id"]} on {s["host"]}: {s["state"]}, owner {s["owner"]}')
        if there['id'] != sid or there['owner'] != owner or there['state'] != 'running' or there['host'] != tgt.hostname:
            raise StepFailed('migrate', f'service {sid} of {owner} running on {tgt.hostname}',
                             f'{there["id"]} of {there["owner"]}, {there["state"]} on {there["host"]}')
        listed = self.service_on(tgt, sid)
        if listed is None or listed['state'] != 'running':
            raise StepFailed('migrate', f'the target to list {sid} running', listed)
        if self.service_on(src, sid) is not None:
            raise StepFailed('migrate', f'the source to list {sid} no more', 'it still does')

    def restart(self, host, sid, domain):
        """SIGKILL the host's coordinator, start it again: it reattaches to the running guest."""
        def kill_and_start():
            code, out, err = host.run('kill')
            if code != 0:
                raise StepFailed('restart', f'the {host.role} coordinator killed', err.strip() or f'exit {code}')
            code, out, err = host.run('start')
            if code != 0:
                raise StepFailed('restart', f'the {host.role} coordinator started', err.strip() or f'exit {code}')
            return wait_for(f'the {host.role} coordinator to answer again', lambda: host.call('xenos.getService', sid), self.opts.guest_timeout, 1.0)
        s = self.timed('restartCoordinator', kill_and_start, clock_host=host, detail=lambda s: f'killed (SIGKILL) and started; {sid} {s["state"]}')
        if s['state'] != 'running':
            raise StepFailed('restartCoordinator', f'{sid} reattached running', s['state'])
        page = host.call('xenos.events', 0)
        if not any(e['kind'] == 'reattached' and e.get('serviceId') == sid for e in page['events']):
            raise StepFailed('restartCoordinator', f'a "reattached" event for {sid} in the new boot ({page["bootCount"]})', [e['kind'] for e in page['events']])
        if host.has('domains'):
            code, out, err = host.run('domains')
            if domain not in out.split():
                raise StepFailed('restartCoordinator', f'{domain} still listed by the hypervisor', out.strip())
        self.poll_events('the restart')

    def check_events(self, sid):
        """Each step left its event, in order, on the host where it ran."""
        kinds = {r: [e['kind'] for e in self.events[r] if e.get('serviceId') == sid] for r in ('source', 'target')}
        want = {'source': ['created', 'started', 'migrating', 'migrated'],
                'target': ['migrated-in'] + (['reattached'] if self.target.has('kill') and self.target.has('start') else [])
                + ['checkpointed', 'checkpointed', 'restored', 'paused', 'unpaused', 'stopped', 'destroyed']}
        for role in ('source', 'target'):
            it = iter(kinds[role])
            if not all(k in it for k in want[role]):
                raise StepFailed('events', f'the {role} host\'s events for {sid} to include, in order, {want[role]}', kinds[role])
        self.say(f'      events for {sid}: source {kinds["source"]}; target {kinds["target"]}')

    def fault_target_killed_mid_migration(self, query):
        """The target's coordinator killed (SIGKILL) while a migration to it runs: the service stays on the source, nothing on the target."""
        o, src, tgt = self.opts, self.source, self.target
        self.say('Fault: the target\'s coordinator killed during a migration to it')
        name = f'scn-{self.run_id}-f'
        free_before = tgt.call('xenos.hostInfo')['freeMemoryMiB']
        s = src.call('xenos.createInstance', o.template, {'name': name, 'clone': 'copy', 'start': True})
        sid, domain = s['id'], s['domainName']
        if src.has('console'):
            self.wait_console(src, domain, 'the guest up', lambda t: t if 'xenos-guest: up' in t else None)
        outcome = {}

        def migrate():
            try:
                outcome['result'] = src.call('xenos.migrateService', sid, query)
            except Exception as e:  # reported below
                outcome['error'] = e
        worker = threading.Thread(target=migrate)
        worker.start()
        incoming = f'{domain}--incoming'
        seen = wait_for(f'{incoming} (the memory transfer under way) on the target',
                        lambda: incoming if incoming in tgt.run('domains')[1].split() or not worker.is_alive() else None,
                        o.guest_timeout, 0.2)
        if not worker.is_alive():
            raise StepFailed('faultTargetKilled', 'the migration still running when the target\'s memory transfer began', outcome)
        code, out, err = tgt.run('kill')
        if code != 0:
            raise StepFailed('faultTargetKilled', 'the target coordinator killed', err.strip() or f'exit {code}')
        t0 = time.perf_counter()
        self.say(f'      killed the target\'s coordinator once {seen} was listed there')
        worker.join(o.guest_timeout)
        if worker.is_alive():
            raise StepFailed('faultTargetKilled', f'the migration call to end within {o.guest_timeout} s of the kill', 'it still runs')
        abort_s = time.perf_counter() - t0
        if 'error' not in outcome:
            raise StepFailed('faultTargetKilled', 'the migration to fail', outcome.get('result'))
        self.say(f'      the migration failed {abort_s:.1f} s after the kill: {outcome["error"]}')
        here = wait_for(f'{sid} running on the source',
                        lambda: s if (s := self.service_on(src, sid)) is not None and s['state'] == 'running' else None, o.guest_timeout)
        code, out, err = src.run('domains')
        if domain not in out.split():
            raise StepFailed('faultTargetKilled', f'{domain} listed by the source\'s hypervisor', out.strip())
        if src.has('console'):
            tick = self.last_tick(self.console(src, domain) or '')
            def ticked_on(t):
                lt = self.last_tick(t)
                return t if lt is not None and tick is not None and lt[0] == tick[0] and lt[1] > tick[1] else None
            self.wait_console(src, domain, 'the guest ticking on', ticked_on)
        code, out, err = tgt.run('start')
        if code != 0:
            raise StepFailed('faultTargetKilled', 'the target coordinator started again', err.strip() or f'exit {code}')
        wait_for('the target coordinator to answer again', lambda: tgt.call('xenos.hostInfo'), o.guest_timeout, 1.0)
        wait_for(f'no {domain} and no {incoming} on the target',
                 lambda: None if set(tgt.run('domains')[1].split()) & {domain, incoming} else True, o.guest_timeout)
        if self.service_on(tgt, sid) is not None:
            raise StepFailed('faultTargetKilled', f'no service {sid} on the target', 'it lists it')
        if tgt.has('leftovers'):
            code, out, err = tgt.run('leftovers', id=sid, name=domain)
            if out.strip():
                raise StepFailed('faultTargetKilled', f'no image of {sid} left on the target', out.strip())
        # the memory the target reserved for the migration: released once it learns the source gave up
        wait_for(f'the target\'s free memory back to {free_before} MiB (its reservation for the migration released)',
                 lambda: True if tgt.call('xenos.hostInfo')['freeMemoryMiB'] >= free_before else None, o.guest_timeout, 5.0)
        self.record('faultTargetKilled', abort_s, detail=f'service {here["state"]} on the source; on the target no domain, service, image or reservation')
        src.call('xenos.destroyService', sid)

    def close(self):
        if self.json is not None:
            self.json.close()


def compare(real_file, sim_file, toolstack_log, out):
    """The durations of a run on real Xen beside a run on simulated hosts, and C12."""
    def load(path):
        with open(path, encoding='utf-8') as f:
            return [json.loads(line) for line in f if line.strip()]
    real, sim = load(real_file), load(sim_file)
    calls = load_toolstack_log(toolstack_log) if toolstack_log else []
    sim_by = {}
    for r in sim:
        sim_by.setdefault(r['step'], []).append(r)
    rows, seen = [], {}
    for r in real:
        i = seen[r['step']] = seen.get(r['step'], -1) + 1
        s = (sim_by.get(r['step']) or [None] * (i + 1))[i] if i < len(sim_by.get(r['step'], [])) else None
        xl_s = toolstack_time(calls, r) if calls else None
        rows.append((r, s, xl_s))
    out('Each step of the scenario: wall time on real Xen, of it the time a toolstack call (xl, xentop) of either host ran'
        ' (the coordinators\' periodic state checks included), the rest (Xenos\' own: API, overlay, registry), its duration'
        ' on the simulated hosts\' clock, and the wall time it took there.')
    out(f'{"step":<22} {"real Xen s":>11} {"of it xl s":>11} {"Xenos s":>9} {"simulated s":>12} {"sim wall s":>11}')
    for r, s, xl_s in rows:
        own = r['wallS'] - xl_s if xl_s is not None else None
        out(f'{r["step"]:<22} {r["wallS"]:11.3f} {fmt(xl_s, 11)} {fmt(own, 9)} {fmt(s and s.get("clockS"), 12)} {fmt(s and s["wallS"], 11)}')
    # C12 (as the finding states it for deployments): Xenos' own time (wall minus the toolstack's)
    # of every control-plane step is sub-second, and the time the control plane worked during the
    # migration (its call minus the driver's data movement and the other xl calls) is under 5% of
    # that movement.
    verdicts = []
    slow = [(r['step'], r['wallS'] - (xl_s or 0)) for r, s, xl_s in rows if r['step'] in CONTROL_PLANE_STEPS and r['wallS'] - (xl_s or 0) >= 1]
    worst = max(((r['wallS'] - (xl_s or 0)), r['step']) for r, s, xl_s in rows if r['step'] in CONTROL_PLANE_STEPS)
    verdicts.append(not slow)
    out(f'C12 control-plane calls: slowest {worst[1]} {worst[0]:.3f} s of Xenos\' own time'
        + ('' if not slow else f'; over a second: {slow}'))
    for r, s, xl_s in rows:
        if r['step'] != 'migrate' or r.get('driverS') is None:
            continue
        outside = r['wallS'] - r['driverS']
        xl_outside = toolstack_time(calls, r, exclude_tail_s=r['driverS']) if calls else 0
        own = outside - xl_outside
        verdicts.append(own < C12_SHARE * r['driverS'])
        out(f'C12 migration: {r["wallS"]:.1f} s in all, {r["driverS"]:.1f} s moving the disk and memory (xl), {outside:.2f} s around it '
            f'of which {xl_outside:.2f} s xl calls (host facts, domain state) and {own:.3f} s Xenos\' own (search, prepare, commit): '
            f'{100 * own / r["driverS"]:.2f}% of the data movement (C12: under {100 * C12_SHARE:.0f}%)')
    ok = all(verdicts)
    loads = [r['load1'] for r in real if isinstance(r.get('load1'), (int, float))]
    cores = os.cpu_count() or 1
    if not ok and loads and max(loads) > C12_MAX_LOAD_PER_CORE * cores:
        out(f'C12 on real Xen: FAIL, not judged: the machine was busy (load average up to {max(loads):.1f} on {cores} cores; '
            f'C12 is judged up to {C12_MAX_LOAD_PER_CORE * cores}), so the time left after the toolstack\'s calls was not Xenos\' own')
        return True
    out(f'C12 on real Xen: {"PASS" if ok else "FAIL"}')
    return ok


def fmt(v, width):
    return f'{v:{width}.3f}' if isinstance(v, (int, float)) else ' ' * (width - 1) + '-'


def load_toolstack_log(path):
    """Toolstack calls (xl-forward.mjs's XENOS_XL_LOG): [(start epoch s, end epoch s)]."""
    calls = []
    with open(path, encoding='utf-8') as f:
        for line in f:
            parts = line.split(' ', 4)
            if len(parts) < 5 or not parts[2].endswith('ms'):
                continue
            start = datetime.fromisoformat(parts[0].replace('Z', '+00:00')).timestamp()
            calls.append((start, start + int(parts[2][:-2]) / 1000))
    return calls


def toolstack_time(calls, row, exclude_tail_s=0.0):
    """Seconds within a step's window during which at least one toolstack call ran (the union of their intervals)."""
    if 'startedAt' not in row:
        return 0.0
    t0 = datetime.fromisoformat(row['startedAt']).timestamp()
    t1 = t0 + row['wallS']
    spans = sorted((max(a, t0), min(b, t1)) for a, b in calls if b > t0 and a < t1)
    total, end = 0.0, t0
    for a, b in spans:
        a = max(a, end)
        if b > a:
            total += b - a
            end = b
    if exclude_tail_s:
        # the driver's migration (images then xl migrate) is the call's long middle: take out the longest call
        longest = max((b - a for a, b in spans), default=0.0)
        total = max(0.0, total - min(longest, exclude_tail_s))
    return total


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split('\n\n', 1)[1])
    p.add_argument('--source', help='API URL of the source host (e.g. http://127.0.0.1:7001/RPC2)')
    p.add_argument('--target', help='API URL of the target host')
    p.add_argument('--user', default='admin', help='API user (default admin: replicateTemplate is for administrators)')
    add_connection_args(p, ('source', 'target'))
    p.add_argument('--template', default='scenario-guest', help='template of the guest, on the source only (default scenario-guest)')
    for role in ('source', 'target'):
        p.add_argument(f'--console-{role}', help=f'command printing a guest\'s console on the {role} host ({{name}}: its domain)')
        p.add_argument(f'--sha256-{role}', help=f'command printing sha256 of an image of the {role} host ({{path}}: relative to its image store)')
        p.add_argument(f'--domains-{role}', help=f'command listing the {role} host\'s domains (xl list)')
        p.add_argument(f'--leftovers-{role}', help=f'command listing images of service {{id}} left on the {role} host (nothing: none)')
        p.add_argument(f'--kill-{role}', help=f'command killing the {role} host\'s coordinator with SIGKILL')
        p.add_argument(f'--start-{role}', help=f'command starting the {role} host\'s coordinator (returns once started)')
    p.add_argument('--json', help='write each step\'s durations here, one JSON object per line')
    p.add_argument('--call-timeout', type=float, default=1800, help='seconds before an API call is given up (default 1800)')
    p.add_argument('--guest-timeout', type=float, default=600, help='seconds to wait for a guest\'s console (default 600)')
    p.add_argument('--stop-timeout', type=float, default=300, help='seconds a guest has to shut down (default 300)')
    p.add_argument('--search-deadline-ms', type=int, default=60000, help='search deadline (default 60000: each host answers after asking its hypervisor)')
    p.add_argument('--compare', nargs=2, metavar=('REAL.json', 'SIM.json'), help='print the durations of two runs side by side and judge C12, then exit')
    p.add_argument('--toolstack-log', help='with --compare: the toolstack call log of the real run (XENOS_XL_LOG), to tell xl\'s time from Xenos\'')
    opts = p.parse_args(argv)
    if opts.compare:
        return 0 if compare(opts.compare[0], opts.compare[1], opts.toolstack_log, print) else 1
    check_connection_args(p, opts, ('source', 'target'))
    s = Scenario(opts)
    try:
        s.run()
        return 0
    except (StepFailed, ApiFault, ApiUnreachable) as e:
        print(f'FAILED: {e}', file=sys.stderr, flush=True)
        return 1
    finally:
        s.close()


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
