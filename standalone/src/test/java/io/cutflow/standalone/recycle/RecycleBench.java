package io.cutflow.standalone.recycle;

import io.cutflow.common.config.CutflowConfig;
import io.cutflow.standalone.StackWorkers;
import io.cutflow.standalone.infra.EmbeddedStack;
import io.cutflow.worker.WorkerConfig;
import io.cutflow.worker.supervisor.RecyclingSupervisor;
import io.cutflow.worker.supervisor.SupervisorSettings;
import io.cutflow.worker.supervisor.SupervisorStats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Recycling measurements on an embedded stack (see ops/bench/recycle-bench.sh): (a) worker RSS over
 * the run, (b) handover gaps, (c) throughput with vs without recycling, (d) whether any slot's
 * partitions moved: {@code assignments_moved} counts the assignments, after each slot's first one
 * (its baseline, taken once the group has settled), that differ from it.
 *
 * <pre>RecycleBench IMAGES_DIR COUNT SLOTS RECYCLE_AFTER[,RECYCLE_AFTER...] [THREADS]</pre>
 *
 * Each RECYCLE_AFTER (0 = never) is one configuration, run one after the other on the same stack.
 */
public final class RecycleBench {
  private RecycleBench() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int count = Integer.parseInt(args[1]);
    int slots = Integer.parseInt(args[2]);
    String[] configs = args[3].split(",");
    int threads = args.length > 4 ? Integer.parseInt(args[4]) : 1;
    List<byte[]> photos = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
        photos.add(Files.readAllBytes(p));
      }
    }
    List<byte[]> images = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      images.add(photos.get(i % photos.size()));
    }
    System.out.printf(
        "bench: %d images (cycling %d photos from %s), %d slot(s), %d intra-op thread(s) per worker%n",
        count, photos.size(), dir, slots, threads);
    try (EmbeddedStack stack =
        EmbeddedStack.start(CutflowConfig.isolated(Map.of("cutflow.bucket.raw", "bench-raw")))) {
      int n = 0;
      for (String c : configs) {
        run(stack, "bench" + (n++), images, slots, Integer.parseInt(c.trim()), threads);
      }
    }
  }

  static void run(
      EmbeddedStack stack,
      String name,
      List<byte[]> images,
      int slots,
      int recycleAfter,
      int threads)
      throws Exception {
    System.out.printf("%n== recycle-after %d ==%n", recycleAfter);
    Path logs = Files.createTempDirectory("recycle-bench-");
    try (RecycleHarness h = new RecycleHarness(stack, name, 6)) {
      SupervisorSettings settings =
          SupervisorSettings.defaults()
              .withSlots(slots)
              .withRecycleAfter(recycleAfter)
              .withInstancePrefix(name)
              .withJvmArgs(List.of("-Xmx1g", "-XX:+ExitOnOutOfMemoryError"))
              .withWorkerProperties(
                  Map.of(WorkerConfig.INTRA_OP_THREADS.name(), Integer.toString(threads)))
              .withLogDir(logs);
      RecyclingSupervisor sup = RecyclingSupervisor.start(h.config, settings);
      try {
        if (!sup.awaitActive(Duration.ofMinutes(5))) {
          throw new IllegalStateException("workers never became active: " + sup.stats());
        }
        // Active is not joined: the first assignment comes after the broker's initial rebalance
        // delay (3 s). Without waiting for it there was no baseline, and every assignment —
        // the first one included — counted as a partition move.
        if (!StackWorkers.awaitAssigned(sup, Duration.ofMinutes(2))) {
          throw new IllegalStateException("workers never got partitions: " + sup.stats());
        }
        Thread.sleep(3000); // let the group settle
        List<SupervisorStats.AssignmentEvent> before = sup.stats().assignments();
        int baselineEvents = before.size();
        Map<Integer, Set<Integer>> baseline = new HashMap<>();
        for (SupervisorStats.AssignmentEvent a : before) {
          if (!a.revoked()) {
            baseline.put(a.slot(), new TreeSet<>(a.partitions()));
          }
        }
        System.out.println("baseline assignment (slot=partitions): " + baseline);
        long t0 = System.nanoTime();
        List<String> ids = h.submit(images);
        System.out.println("t_s,ok_results,rss_mb_per_slot");
        int[] done = {0};
        // slot 0's active-worker RSS (MB) when the n-th tenth of the images was done
        long[] rssAtTenth = new long[11];
        java.util.Arrays.fill(rssAtTenth, -1);
        int missing =
            h.awaitOk(
                ids,
                Duration.ofHours(2),
                () -> {
                  SupervisorStats st = sup.stats();
                  StringBuilder rss = new StringBuilder();
                  for (SupervisorStats.SlotState s : st.slots()) {
                    rss.append(
                            s.activeRssBytes() < 0 ? "-" : Long.toString(s.activeRssBytes() >> 20))
                        .append(';');
                  }
                  int ok = h.okJobIds().size();
                  System.out.printf("%.1f,%d,%s%n", (System.nanoTime() - t0) / 1e9, ok, rss);
                  long slot0 = st.slots().get(0).activeRssBytes();
                  int tenth = (int) ((long) ok * 10 / images.size());
                  if (slot0 > 0 && rssAtTenth[tenth] < 0) {
                    rssAtTenth[tenth] = slot0 >> 20;
                  }
                  done[0] = ok;
                });
        double secs = (System.nanoTime() - t0) / 1e9;
        SupervisorStats st = sup.stats();
        int moved = 0;
        int revoked = 0;
        for (SupervisorStats.AssignmentEvent a :
            st.assignments().subList(baselineEvents, st.assignments().size())) {
          if (a.revoked()) {
            revoked++;
          } else if (!new TreeSet<>(a.partitions()).equals(baseline.get(a.slot()))) {
            moved++;
          }
        }
        long peak =
            st.retired().stream()
                .mapToLong(SupervisorStats.RetiredWorker::peakRssBytes)
                .max()
                .orElse(-1);
        System.out.printf(
            "RESULT recycle_after=%d images=%d missing=%d seconds=%.1f images_per_s=%.3f "
                + "recycles=%d crashes=%d gap_p50_ms=%d gap_p95_ms=%d gaps_n=%d assignments_moved=%d revocations=%d "
                + "peak_rss_retired_mb=%d warm_up_cpu_ms_mean=%d baseline=%s%n",
            recycleAfter,
            images.size(),
            missing,
            secs,
            images.size() / secs,
            st.recycles(),
            st.crashes(),
            st.handoverGapPercentile(50),
            st.handoverGapPercentile(95),
            st.handoverGapsMs().size(),
            moved,
            revoked,
            peak >> 20,
            st.meanWarmUpCpuMs(),
            baseline);
        System.out.println("gaps_ms=" + st.handoverGapsMs());
        StringBuilder curve = new StringBuilder("rss_mb_by_images_done:");
        for (int i = 0; i < rssAtTenth.length; i++) {
          curve
              .append(' ')
              .append(i * images.size() / 10)
              .append('=')
              .append(rssAtTenth[i] < 0 ? "-" : rssAtTenth[i]);
        }
        System.out.println(curve);
      } finally {
        sup.close();
      }
    }
  }
}
