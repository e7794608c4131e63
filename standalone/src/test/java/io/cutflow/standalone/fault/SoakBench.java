package io.cutflow.standalone.fault;

import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.job.DeadLetter;
import io.cutflow.common.job.JobCodec;
import io.cutflow.common.job.JobResult;
import io.cutflow.standalone.UpCommand;
import io.cutflow.standalone.fault.PoisonInputs.Poison;
import io.cutflow.standalone.infra.EmbeddedStack;
import io.cutflow.standalone.recycle.RecycleHarness;
import io.cutflow.worker.WorkerConfig;
import io.cutflow.worker.supervisor.RecyclingSupervisor;
import io.cutflow.worker.supervisor.SupervisorStats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The soak (see ops/bench/soak.sh): {@code up}'s workers, recycled every RECYCLE_AFTER images, over
 * COUNT images of which POISON_PERCENT are poison inputs ({@link PoisonInputs}: zTXt bomb, 9990²
 * PNG, truncated JPEG, non-image). Reports the RSS of each slot's active worker over the run,
 * failures by code, each job's results (exactly one final state expected; duplicates counted),
 * crashes and recycles.
 *
 * <pre>
 * SoakBench IMAGES_DIR [COUNT=2000] [SLOTS=1] [RECYCLE_AFTER=50] [POISON_PERCENT=5] [STALL_MIN=10]
 * </pre>
 *
 * It stops when every job has a result, or when no new result came for STALL_MIN minutes (a wedged
 * or crash-looping worker); the jobs left then are reported as missing.
 */
public final class SoakBench {
  private SoakBench() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int count = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
    int slots = args.length > 2 ? Integer.parseInt(args[2]) : 1;
    int recycleAfter = args.length > 3 ? Integer.parseInt(args[3]) : 50;
    int poisonPercent = args.length > 4 ? Integer.parseInt(args[4]) : 5;
    Duration stall = Duration.ofMinutes(args.length > 5 ? Integer.parseInt(args[5]) : 10);
    List<byte[]> photos = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
        photos.add(Files.readAllBytes(p));
      }
    }
    List<Poison> poisons =
        PoisonInputs.all(
            PoisonInputs.defaultCacheDir(),
            photos.stream()
                .filter(b -> b.length > 2 && (b[0] & 0xff) == 0xff && (b[1] & 0xff) == 0xd8)
                .findFirst()
                .orElseThrow(
                    () -> new IllegalArgumentException(dir + " holds no JPEG to truncate")));
    // poison spread evenly: one every 100/percent images, cycling the four kinds
    int every = poisonPercent > 0 ? Math.max(1, 100 / poisonPercent) : Integer.MAX_VALUE;
    List<String> names = new ArrayList<>();
    List<byte[]> images = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      if (i % every == every - 1) {
        Poison p = poisons.get((i / every) % poisons.size());
        names.add(p.name());
        images.add(p.bytes());
      } else {
        names.add(i + ".jpg");
        images.add(photos.get(i % photos.size()));
      }
    }
    long poisonCount = names.stream().filter(SoakBench::isPoison).count();
    System.out.printf(
        "soak: %d images (%d poison), cycling %d photos from %s; %d slot(s), recycle every %d;"
            + " stop after %d min without a new result%n",
        count, poisonCount, photos.size(), dir, slots, recycleAfter, stall.toMinutes());
    try (EmbeddedStack stack =
            EmbeddedStack.start(CutflowConfig.isolated(Map.of("cutflow.bucket.raw", "soak-raw")));
        RecycleHarness h = new RecycleHarness(stack, "soak", 6)) {
      CutflowConfig config =
          h.config.withOverrides(
              Map.of(WorkerConfig.RECYCLE_AFTER.name(), Integer.toString(recycleAfter)));
      Path logs = Files.createTempDirectory("soak-workers-");
      try (RecyclingSupervisor sup = UpCommand.startWorkers(config, Map.of(), slots, logs)) {
        run(h, sup, names, images, stall);
        System.out.println("worker logs: " + logs);
      }
    }
  }

  private static boolean isPoison(String name) {
    return !name.matches("\\d+\\.jpg");
  }

  private static void run(
      RecycleHarness h,
      RecyclingSupervisor sup,
      List<String> names,
      List<byte[]> images,
      Duration stall)
      throws Exception {
    long t0 = System.nanoTime();
    List<String> ids = h.submit(names, images);
    Map<String, String> nameOfJob = new HashMap<>();
    for (int i = 0; i < ids.size(); i++) {
      nameOfJob.put(ids.get(i), names.get(i));
    }
    System.out.printf("submitted in %.1f s%n", (System.nanoTime() - t0) / 1e9);
    System.out.println("t_s,jobs_done,ok,failed,recycles,crashes,rss_mb_per_slot");
    RssCurve curve = new RssCurve(sup.settings().slots(), ids.size());
    Map<String, List<JobResult>> results = Map.of();
    int done = 0;
    long lastProgress = System.nanoTime();
    while (done < ids.size() && System.nanoTime() - lastProgress < stall.toNanos()) {
      Thread.sleep(5000);
      results = h.results();
      int now = (int) ids.stream().filter(results::containsKey).count();
      if (now > done) {
        lastProgress = System.nanoTime();
      }
      done = now;
      SupervisorStats st = sup.stats();
      long ok =
          results.values().stream().filter(rs -> rs.stream().anyMatch(JobResult::isOk)).count();
      curve.sample(st, done);
      System.out.printf(
          "%.0f,%d,%d,%d,%d,%d,%s%n",
          (System.nanoTime() - t0) / 1e9,
          done,
          ok,
          done - ok,
          st.recycles(),
          st.crashes(),
          curve.lastRow());
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    System.out.println(
        done == ids.size()
            ? "stopped: every job has a result"
            : "stopped: no new result for " + stall.toMinutes() + " min");
    report(h, sup.stats(), ids, nameOfJob, h.results(), secs, curve);
  }

  private static void report(
      RecycleHarness h,
      SupervisorStats st,
      List<String> ids,
      Map<String, String> nameOfJob,
      Map<String, List<JobResult>> results,
      double secs,
      RssCurve curve)
      throws Exception {
    int missing = 0;
    int oneState = 0;
    int conflicting = 0;
    int duplicates = 0;
    int ok = 0;
    Map<String, Integer> byCode = new TreeMap<>();
    Map<String, Map<String, Integer>> poisonOutcomes = new TreeMap<>();
    List<String> conflicts = new ArrayList<>();
    for (String id : ids) {
      List<JobResult> rs = results.getOrDefault(id, List.of());
      String name = nameOfJob.get(id);
      if (rs.isEmpty()) {
        missing++;
        if (isPoison(name)) {
          poisonOutcomes
              .computeIfAbsent(name, k -> new TreeMap<>())
              .merge("missing", 1, Integer::sum);
        }
        continue;
      }
      duplicates += rs.size() - 1;
      List<String> states = rs.stream().map(SoakBench::state).distinct().toList();
      if (states.size() == 1) {
        oneState++;
      } else {
        conflicting++;
        conflicts.add(id + " (" + name + "): " + states);
      }
      String last = states.get(states.size() - 1);
      if (last.equals("ok")) {
        ok++;
      } else {
        byCode.merge(last, 1, Integer::sum);
      }
      if (isPoison(name)) {
        poisonOutcomes.computeIfAbsent(name, k -> new TreeMap<>()).merge(last, 1, Integer::sum);
      }
    }
    JobCodec codec = new JobCodec();
    Map<String, Integer> deadByCode = new TreeMap<>();
    for (ConsumerRecord<String, String> r : h.readAll(h.topics.deadLetters())) {
      DeadLetter d = codec.decodeDeadLetter(r.value());
      deadByCode.merge(d.reason().code(), 1, Integer::sum);
    }
    System.out.printf(
        "RESULT images=%d missing=%d ok=%d failed=%d one_final_state=%d conflicting_states=%d"
            + " duplicate_results=%d seconds=%.0f images_per_s=%.3f recycles=%d crashes=%d"
            + " workers_started=%d%n",
        ids.size(),
        missing,
        ok,
        ids.size() - missing - ok,
        oneState,
        conflicting,
        duplicates,
        secs,
        (ids.size() - missing) / secs,
        st.recycles(),
        st.crashes(),
        st.workersStarted());
    System.out.println("failures_by_code=" + byCode);
    System.out.println("dead_letters_by_code=" + deadByCode);
    System.out.println("poison_outcomes=" + poisonOutcomes);
    if (!conflicts.isEmpty()) {
      System.out.println("conflicting=" + conflicts.subList(0, Math.min(20, conflicts.size())));
    }
    System.out.println("supervisor: " + st.summary());
    for (SupervisorStats.RetiredWorker r : st.retired()) {
      if (!r.reason().startsWith("RECYCLE")) {
        System.out.println("retired " + r);
      }
    }
    curve.print();
  }

  /** A result's state: {@code ok} or its failure code. */
  private static String state(JobResult r) {
    return r.isOk() ? "ok" : r.failure().code().code();
  }
}
