// Which `xenos` commands run in a child Node with a larger heap, and with which Node flags.
//
// A simulation at scale (`xenos sim-scale`) holds more than Node's default heap limit allows on
// many machines (2 to 4 GiB, set from the machine's memory): the command then runs in a child
// Node whose heap may take three quarters of the machine's memory, so that no user needs a Node
// flag. XENOS_HEAP_RAISED marks the child, which never raises it again.
// The child's heap also grows by at most 30% of what the last full collection kept: a boot of
// 400,000 domains keeps a few GiB alive and makes garbage fast, and V8's own rule (up to 4 times
// what was kept) let the heap reach 4.4 GB holding 1.9 GB (peak RSS 4.5 to 4.9 GiB); with the
// cap it peaks at 3.4 GiB, for more collections (marking runs beside the simulation).
// Its young generation is 64 MiB per semi-space instead of 16: a boot makes millions of objects
// that die within a few events, and with the small default many of them were promoted before
// dying, so full collections took 35 of the 60 s of a 100,000-host boot (V8's CPU profile); with
// 64 MiB the boot took 48 to 56 s instead of 59 to 68 s, peak RSS 3.6 to 3.8 GiB (128 MiB: 3.9 GiB).

export const HEAP_GROWING_PERCENT = 30
export const SEMI_SPACE_MIB = 64

// V8 flags of every `xenos` process, applied by the launcher to itself before it loads the CLI,
// and listed in its process.execArgv so that the Node processes it forks (the sensitivity
// analysis' workers) and sim-scale's child run with them too; the message bench of
// @xenos/sim-engine runs its child with the same.
// TurboFan, V8's optimizing compiler, works on other threads while the simulation runs; by default
// it inlines up to 920 bytes of bytecode into each function it optimizes, and a simulation's hot
// functions call into the whole event loop (completion, activity, solver), so each of them was
// compiled again with most of the engine inside. In a fresh process on two cores that compiling
// took the CPU the simulation needed: the first 100-host message run of the bench spent 0.30 s of
// CPU for 0.12 s on its main thread, 0.17 s of wall time; with at most 200 bytes inlined, 0.22 s of
// CPU and 0.13 s of wall time, while 1,000 hosts run as fast as before (both quiet, medians of 7;
// Node 22). On Node 24, whose Maglev tier compiles most of the run's code first: 124 against 135 ms of
// CPU for the 100-host run, the same CPU at 1,000 hosts (medians of 8, load average 3.6).
export const SIMULATION_V8_FLAGS = ['--max-inlined-bytecode-size-cumulative=200']

/** `execArgv` with every flag of SIMULATION_V8_FLAGS it lacks appended (the flags of forked Node processes). */
export function withSimulationFlags (execArgv) {
  return [...execArgv, ...SIMULATION_V8_FLAGS.filter(f => !execArgv.includes(f))]
}

/**
 * The Node flags of the child that runs `argv` (process.argv), or undefined when the command runs
 * in this process: only `sim-scale` moves, only when this Node's heap limit (`heapLimitBytes`) is
 * below three quarters of `totalMemBytes`, and never from a child (`env.XENOS_HEAP_RAISED`).
 */
export function raisedHeap (argv, env, heapLimitBytes, totalMemBytes) {
  const wantedMiB = Math.floor(totalMemBytes / 1024 / 1024 * 0.75)
  if (argv[2] !== 'sim-scale' || env.XENOS_HEAP_RAISED !== undefined || heapLimitBytes / 1024 / 1024 >= wantedMiB) return undefined
  return {
    wantedMiB,
    flags: [`--max-old-space-size=${wantedMiB}`, `--heap-growing-percent=${HEAP_GROWING_PERCENT}`, `--max-semi-space-size=${SEMI_SPACE_MIB}`]
  }
}
