package io.cutflow.standalone.bucket;

import com.codahale.metrics.MetricRegistry;
import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.store.ObjectStore;
import io.cutflow.ingest.bucket.BucketWatch;
import io.cutflow.standalone.infra.EmbeddedStack;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * What a bucket watcher costs on a bucket where nothing is new (see ops/bench/watch-cost.sh): puts
 * OBJECTS small objects into a bucket of the embedded S3 server, lets one scan publish them, then
 * times SCANS idle scans: wall time, this thread's CPU (the watcher's scan runs on it), the S3
 * server's CPU, and ListObjectsV2 pages, each per scan and per minute at the default 5 s interval.
 *
 * <pre>
 * WatchCostBench [OBJECTS=10000] [SCANS=10]
 * </pre>
 */
public final class WatchCostBench {
  private WatchCostBench() {}

  public static void main(String[] args) throws Exception {
    int objects = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int scans = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    try (EmbeddedStack stack = EmbeddedStack.start(CutflowConfig.isolated(Map.of()))) {
      CutflowConfig config = stack.config();
      String bucket = "cutflow-inbox";
      try (ObjectStore store = ObjectStore.fromConfig(config)) {
        store.ensureBucket(bucket);
        long t0 = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> puts = new ArrayList<>();
        for (int i = 0; i < objects; i++) {
          String key = String.format("p%02d/obj-%06d.jpg", i % 50, i);
          byte[] bytes = ("object " + i).getBytes();
          puts.add(pool.submit(() -> store.put(bucket, key, bytes, "image/jpeg", Map.of())));
        }
        for (Future<?> f : puts) {
          f.get();
        }
        pool.shutdown();
        System.out.printf(
            "put %d objects in %d s%n", objects, (System.nanoTime() - t0) / 1_000_000_000L);
      }
      MetricRegistry registry = new MetricRegistry();
      ThreadMXBean threads = ManagementFactory.getThreadMXBean();
      ProcessHandle s3 = stack.s3().process().handle();
      try (BucketWatch watch = BucketWatch.connect(config, bucket, "", registry)) {
        long first = System.nanoTime();
        int published = watch.watcher().scanOnce();
        System.out.printf(
            "first scan: published %d events in %d ms%n",
            published, (System.nanoTime() - first) / 1_000_000);
        long pages0 = registry.counter("cutflow.watch.requests").getCount();
        long cpu0 = threads.getCurrentThreadCpuTime();
        Duration s3Cpu0 = s3.info().totalCpuDuration().orElse(Duration.ZERO);
        long wall0 = System.nanoTime();
        long again = 0;
        for (int i = 0; i < scans; i++) {
          again += watch.watcher().scanOnce();
        }
        double wallMs = (System.nanoTime() - wall0) / 1e6 / scans;
        double cpuMs = (threads.getCurrentThreadCpuTime() - cpu0) / 1e6 / scans;
        double s3CpuMs =
            (s3.info().totalCpuDuration().orElse(Duration.ZERO).minus(s3Cpu0).toNanos())
                / 1e6
                / scans;
        double pages =
            (registry.counter("cutflow.watch.requests").getCount() - pages0) / (double) scans;
        double perMinute = 60_000.0 / 5_000; // scans a minute at cutflow.watch.interval-ms=5000
        System.out.printf(
            "RESULT objects=%d idle_scans=%d republished=%d per_scan: wall=%.0f ms watcher_cpu=%.0f ms"
                + " s3_server_cpu=%.0f ms list_pages=%.1f | per minute at 5 s: watcher_cpu=%.1f s"
                + " s3_server_cpu=%.1f s list_requests=%.0f%n",
            objects,
            scans,
            again,
            wallMs,
            cpuMs,
            s3CpuMs,
            pages,
            cpuMs * perMinute / 1000,
            s3CpuMs * perMinute / 1000,
            pages * perMinute);
      }
    }
  }
}
