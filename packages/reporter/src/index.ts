/**
 * @packageDocumentation
 * @xenos/reporter: Statistics over repetitions, charts in the paper's form and the findings report
 * (Being built; see the open issues.)
 */
export {}
