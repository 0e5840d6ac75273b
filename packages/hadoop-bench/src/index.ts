/**
 * @packageDocumentation
 * @xenos/hadoop-bench: The Hadoop deployer and benchmark jobs, real (SSH + hadoop) and simulated (HDFS and MapReduce model on sim-driver)
 * (Being built; see the open issues.)
 */
export {}
