#!/usr/bin/env python3
"""A host dies while it runs a `restart` service: the service comes back on the other
host, and the dead host, booted again, does not resurrect its copy. Two coordinators
driven through their public XML-RPC API by Python's standard xmlrpc.client.

Steps, between a survivor host and a victim host (each with its coordinator):
  - an instance of a guest template on the victim (the template, held by the
    survivor only, is replicated to it over the overlay), started, up on its console;
  - restart policy `restart` with one replica: the victim names the survivor its
    guardian (event `guarded`);
  - the victim crashes (--crash-victim: its machine and its coordinator killed at once);
    measured from that instant: the survivor declares it failed (`host-failed`),
    takes the service over (`taken-over`, generation 2), its hypervisor lists the
    guest running (--domains-survivor), the guest is up on its console;
  - the victim boots again (--boot-victim: its machine, then its coordinator): it
    learns from the survivor that the service was taken over and destroys its stale
    copy (`stale-discarded`) instead of starting it; its hypervisor never lists the
    guest running again; one copy runs in the whole cluster.
Then the service is destroyed.

Each figure is printed and, with --json, written as one JSON object per line
({"step", "wallS", ...}). Exit status 0 when every step held, 1 when one did not,
2 for a usage error. Commands given as options are split like a shell would (shlex)
and run without a shell; {name} is filled in with the guest's domain name.
"""
import argparse
import json
import shlex
import subprocess
import sys
import time
import uuid
from datetime import datetime

from scenario import ApiFault, ApiUnreachable, StepFailed, add_connection_args, check_connection_args, connect, wait_for


def parse_at(text):
    """An event's `at` (ISO 8601, UTC) as seconds since the epoch."""
    return datetime.fromisoformat(text.replace('Z', '+00:00')).timestamp()


class Failover:
    def __init__(self, opts):
        self.opts = opts
        self.survivor = connect('survivor', opts, {'console': opts.console_survivor, 'domains': opts.domains_survivor})
        self.victim = connect('victim', opts, {'console': opts.console_victim, 'domains': opts.domains_victim})
        self.run_id = uuid.uuid4().hex[:6]
        self.json = open(opts.json, 'w', encoding='utf-8') if opts.json else None
        self.figures = []

    def say(self, text):
        print(text, flush=True)

    def record(self, step, wall_s, detail):
        self.figures.append((step, wall_s))
        if self.json is not None:
            self.json.write(json.dumps({'step': step, 'wallS': round(wall_s, 3), 'backend': 'xen', 'detail': detail}) + '\n')
            self.json.flush()
        self.say(f'  {step:<24} {wall_s:9.1f} s   {detail}')

    def run_command(self, template, what, **fill):
        argv = [a.format(**fill) for a in shlex.split(template)]
        r = subprocess.run(argv, capture_output=True, text=True, timeout=self.opts.boot_timeout)
        if r.returncode != 0:
            raise StepFailed(what, f'`{template}` to succeed', f'exit {r.returncode}: {(r.stderr or r.stdout).strip()[-400:]}')
        return r.stdout

    def events(self, host):
        return host.call('xenos.events', 0)['events']

    def event(self, host, kind, service_id=None, subject=None, after_s=None):
        for e in self.events(host):
            if e['kind'] == kind and (service_id is None or e.get('serviceId') == service_id) \
                    and (subject is None or e.get('subject') == subject) and (after_s is None or parse_at(e['at']) >= after_s):
                return e
        return None

    def running_on(self, host, domain):
        """Whether the host's hypervisor lists the domain running or blocked (xl list's r or b), through --domains-*."""
        code, out, err = host.run('domains')
        if code != 0:
            raise ApiUnreachable(host, 'xl list', err.strip() or f'exit {code}')
        for line in out.splitlines()[1:]:
            cols = line.split()
            if cols and cols[0] == domain:
                return len(cols) >= 5 and any(c in cols[4] for c in 'rb')
        return False

    def guest_up(self, host, domain):
        if not host.has('console'):
            return None
        code, out, _ = host.run('console', name=domain)
        return True if code == 0 and 'xenos-guest: wrote disk marker ' in out else None

    def run(self):
        o = self.opts
        sur, vic = self.survivor, self.victim
        self.say(f'Failover scenario {self.run_id}: survivor {sur.url}, victim {vic.url}')
        sur.hostname = sur.call('xenos.hostInfo')['hostname']
        vic.hostname = vic.call('xenos.hostInfo')['hostname']
        if sur.hostname >= vic.hostname:
            # of a pair, only the host with the lower name has a quorum alone (docs/coordinator.md, Fencing)
            raise StepFailed('hostInfo', f'a survivor whose name sorts before the victim\'s (only it keeps a quorum alone)',
                             f'{sur.hostname} and {vic.hostname}')

        name = f'ft-{self.run_id}'
        t0 = time.time()
        created = vic.call('xenos.createInstance', o.template, {'name': name, 'start': True, 'clone': 'copy'})
        sid, domain = created['id'], created['domainName']
        if created['state'] != 'running':
            raise StepFailed('createInstance', 'the service running', created['state'])
        self.record('createAndStart', time.time() - t0, f'{sid} ({domain}) on {vic.hostname}, the template replicated there from {sur.hostname}')
        if vic.has('console'):
            t0 = time.time()
            wait_for(f'{domain} up on the victim\'s console', lambda: self.guest_up(vic, domain), o.guest_timeout)
            self.record('guestUpOnVictim', time.time() - t0, 'console: disk marker written')

        vic.call('xenos.setRestartPolicy', sid, {'mode': 'restart', 'replicas': 1})
        t0 = time.time()
        guarded = wait_for(f'{vic.hostname} to name {sur.hostname} the guardian of {sid}', lambda: (
            e if (e := self.event(vic, 'guarded', sid)) is not None and sur.hostname in e.get('detail', '') else None), o.step_timeout, 0.5)
        self.record('guarded', time.time() - t0, guarded['detail'])
        if not self.running_on(vic, domain):
            raise StepFailed('guarded', f'{domain} running on the victim (xl list)', 'it is not listed running')

        self.say(f'  crashing {vic.hostname}: {o.crash_victim}')
        crash_at = time.time()
        self.run_command(o.crash_victim, 'crash')
        failed = wait_for(f'{sur.hostname} to declare {vic.hostname} failed',
                          lambda: self.event(sur, 'host-failed', subject=vic.hostname, after_s=crash_at - 1),
                          o.step_timeout, 0.25)
        self.record('declaredFailed', parse_at(failed['at']) - crash_at, failed.get('detail', ''))
        took = wait_for(f'{sur.hostname} to take {sid} over', lambda: self.event(sur, 'taken-over', sid), o.step_timeout, 0.25)
        self.record('takenOver', parse_at(took['at']) - crash_at, took.get('detail', ''))
        if not took['detail'].startswith(f'generation 2 from {vic.hostname}, restarted from its template'):
            raise StepFailed('takenOver', f'generation 2 from {vic.hostname}, restarted from its template', took['detail'])
        wait_for(f'{domain} running on the survivor (xl list)', lambda: True if self.running_on(sur, domain) else None, o.step_timeout, 0.25)
        self.record('xlListsItOnSurvivor', time.time() - crash_at, f'{domain} running on {sur.hostname} through real xl')
        rec = sur.call('xenos.getService', sid)
        if rec['state'] != 'running' or rec.get('generation') != 2 or rec.get('origin') != 'takeover' or rec['host'] != sur.hostname:
            raise StepFailed('takenOver', f'{sid} running at generation 2 on {sur.hostname}, origin takeover',
                             f'{rec["state"]}, generation {rec.get("generation")} on {rec["host"]}, origin {rec.get("origin")}')
        if sur.has('console'):
            wait_for(f'{domain} up on the survivor\'s console', lambda: self.guest_up(sur, domain), o.guest_timeout)
            self.record('guestUpOnSurvivor', time.time() - crash_at, 'console: the guest booted from the template, disk marker written')

        self.say(f'  booting {vic.hostname} again: {o.boot_victim}')
        boot_at = time.time()
        self.run_command(o.boot_victim, 'boot')
        self.record('victimBack', time.time() - boot_at, f'{vic.hostname}\'s machine booted and its coordinator answers')
        back_at = time.time()
        seen_running = []

        def discarded():
            if self.running_on(vic, domain):
                seen_running.append(time.time())
            return self.event(vic, 'stale-discarded', sid)
        stale = wait_for(f'{vic.hostname} to destroy its stale copy of {sid}', discarded, o.step_timeout, 0.5)
        self.record('staleDiscarded', parse_at(stale['at']) - back_at, stale.get('detail', ''))
        for _ in range(3):  # and it stays gone
            if self.running_on(vic, domain):
                seen_running.append(time.time())
            time.sleep(1)
        if seen_running:
            raise StepFailed('staleDiscarded', f'{domain} never running again on {vic.hostname}', f'xl list showed it running {len(seen_running)} times')
        if any(s['id'] == sid for s in vic.call('xenos.listServices')):
            raise StepFailed('staleDiscarded', f'no record of {sid} left on {vic.hostname}', 'it is still listed')
        found = sur.call('xenos.searchServices', f'name={name}', {'deadlineMs': o.search_deadline_ms})
        where = [(r['host'], r['state']) for r in found['results']]
        if where != [(sur.hostname, 'running')] or found['nonResponders']:
            raise StepFailed('oneCopy', f'one copy of {name}, running on {sur.hostname}, every host answering',
                             f'{where}, no answer from {found["nonResponders"]}')
        if not self.running_on(sur, domain):
            raise StepFailed('oneCopy', f'{domain} still running on {sur.hostname}', 'it is not')
        self.say(f'  one copy of {name} runs, on {sur.hostname}; {vic.hostname} never ran it again')
        sur.call('xenos.destroyService', sid)
        self.say(f'Failover scenario {self.run_id}: every step held')


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split('\n\n', 1)[1])
    p.add_argument('--survivor', help='API URL of the host that survives (its name must sort first: of a pair, only it keeps a quorum alone)')
    p.add_argument('--victim', help='API URL of the host that crashes')
    p.add_argument('--user', default='admin', help='API user (default admin)')
    add_connection_args(p, ('survivor', 'victim'))
    p.add_argument('--template', default='scenario-guest', help='template of the guest, held by the survivor (default scenario-guest)')
    p.add_argument('--crash-victim', required=True, help='command that kills the victim\'s machine and its coordinator at once')
    p.add_argument('--boot-victim', required=True, help='command that boots the victim again and starts its coordinator (returns once its API answers)')
    for role in ('survivor', 'victim'):
        p.add_argument(f'--domains-{role}', required=True, help=f'command listing the {role} host\'s domains (xl list)')
        p.add_argument(f'--console-{role}', help=f'command printing a guest\'s console on the {role} host ({{name}}: its domain)')
    p.add_argument('--json', help='write each figure here, one JSON object per line')
    p.add_argument('--call-timeout', type=float, default=1800, help='seconds before an API call is given up (default 1800)')
    p.add_argument('--step-timeout', type=float, default=900, help='seconds to wait for each step (default 900)')
    p.add_argument('--guest-timeout', type=float, default=600, help='seconds to wait for a guest\'s console (default 600)')
    p.add_argument('--boot-timeout', type=float, default=900, help='seconds the crash and boot commands may take (default 900)')
    p.add_argument('--search-deadline-ms', type=int, default=60000, help='search deadline (default 60000)')
    opts = p.parse_args(argv)
    check_connection_args(p, opts, ('survivor', 'victim'))
    try:
        Failover(opts).run()
    except (StepFailed, ApiFault, ApiUnreachable, subprocess.TimeoutExpired) as e:
        print(f'failover scenario: {e}', file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
