package io.cutflow.worker.service;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import io.cutflow.common.job.FailureCode;
import io.cutflow.common.job.JobResult;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;

/**
 * The worker's Dropwizard metrics: a timer per stage, images/s, results by model and status,
 * failures by code, input pixels, queue depths, consumer lag (max and per partition), resident
 * memory — exported on {@code /metrics} under the names of {@code common.ops.MetricNames}, each
 * documented in {@code docs/metrics.md}.
 */
public final class WorkerMetrics {
  private final MetricRegistry registry;
  private final Meter images;
  private final Timer total;
  private final AtomicLong lag = new AtomicLong(-1);
  private final AtomicLong lastCommitMillis = new AtomicLong();
  private final AtomicLong firstAssignmentMillis = new AtomicLong();
  private final AtomicLong firstRecordMillis = new AtomicLong();
  private final Counter inputPixels;
  private final Map<Integer, Long> partitionLag = new ConcurrentHashMap<>();
  private long lastLagUpdate;

  /** The stages every result passes (timers exist from the start, so each has a series). */
  static final List<String> STAGES =
      List.of("download", "decode", "preprocess", "inference", "postprocess", "encode", "upload");

  private volatile Listener listener = new Listener() {};

  /**
   * Membership and handover events, for the supervisor's control channel (see {@code
   * WorkerProcess}).
   */
  public interface Listener {
    /** The first record this process took from Kafka (epoch ms): the end of a handover. */
    default void firstRecord(long epochMillis) {}

    /** Partitions assigned in consumer-group generation {@code generation} (-1 if unknown). */
    default void assigned(Collection<TopicPartition> partitions, int generation) {}

    /** Partitions revoked or lost (a rebalance moved them away from this process). */
    default void revoked(Collection<TopicPartition> partitions) {}

    /** This process has published {@code count} results so far (ok or failed). */
    default void finished(int count) {}

    /** The record at {@code offset} of {@code tp} entered the pipeline. */
    default void taken(TopicPartition tp, long offset) {}

    /** The result (or failure) of the record at {@code offset} of {@code tp} is published. */
    default void done(TopicPartition tp, long offset) {}
  }

  public WorkerMetrics(MetricRegistry registry) {
    this.registry = registry;
    this.images = registry.meter("cutflow.worker.images");
    this.total = registry.timer("cutflow.worker.stage.total");
    registry.register("cutflow.worker.consumer.lag", (Gauge<Long>) lag::get);
    registry.register("cutflow.worker.rss.bytes", (Gauge<Long>) ResidentMemory::current);
    this.inputPixels = registry.counter("cutflow.worker.input-pixels");
    for (String stage : STAGES) {
      registry.timer("cutflow.worker.stage." + stage);
    }
    // every code at 0 from the start: increase() and rate() then see a process's first failure
    for (FailureCode code : FailureCode.values()) {
      registry.counter("cutflow.worker.failures." + code.code());
    }
  }

  void gauges(IntSupplier inferenceQueue, IntSupplier inFlight) {
    registry.register("cutflow.worker.queue.inference", (Gauge<Integer>) inferenceQueue::getAsInt);
    registry.register("cutflow.worker.in-flight", (Gauge<Integer>) inFlight::getAsInt);
  }

  /** Jobs held waiting for {@code dependency} (today the object store: {@link StoreOutage}). */
  void dependencyWaiting(String dependency, IntSupplier jobs) {
    registry.register(
        "cutflow.worker.dependency." + dependency + ".waiting", (Gauge<Integer>) jobs::getAsInt);
  }

  /** 1 while the process's start waits for {@code dependency} ({@link StartupWait}), else 0. */
  void startWaiting(String dependency, IntSupplier waiting) {
    registry.register(
        "cutflow.worker.start." + dependency + ".waiting", (Gauge<Integer>) waiting::getAsInt);
  }

  void stage(String stage, double millis) {
    registry
        .timer("cutflow.worker.stage." + stage)
        .update(Math.round(millis * 1000), TimeUnit.MICROSECONDS);
  }

  void finished(JobResult result, int count) {
    listener.finished(count);
    total.update(result.timingsMs().total(), TimeUnit.MILLISECONDS);
    String model = result.model() == null || result.model().isBlank() ? "unknown" : result.model();
    registry.meter("cutflow.worker.results." + model + "." + result.status().wire()).mark();
    if (result.image() != null) {
      inputPixels.inc((long) result.image().width() * result.image().height());
    }
    if (result.isOk()) {
      images.mark();
    } else {
      Counter c = registry.counter("cutflow.worker.failures." + result.failure().code().code());
      c.inc();
    }
  }

  /** A record was taken from Kafka (the first one marks the end of a handover). */
  void received() {
    if (firstRecordMillis.get() == 0) {
      long now = System.currentTimeMillis();
      if (firstRecordMillis.compareAndSet(0, now)) {
        listener.firstRecord(now);
      }
    }
  }

  void taken(TopicPartition tp, long offset) {
    listener.taken(tp, offset);
  }

  void done(TopicPartition tp, long offset) {
    listener.done(tp, offset);
  }

  public void listener(Listener value) {
    listener = value;
  }

  /**
   * Max lag over this consumer's partitions and the lag of each assigned partition, from the
   * client's own metrics; refreshed every 2 s. A partition no longer assigned loses its gauge.
   */
  void updateLag(Consumer<?, ?> consumer) {
    long now = System.currentTimeMillis();
    if (now - lastLagUpdate < 2000) {
      return;
    }
    lastLagUpdate = now;
    Map<Integer, Long> seen = new HashMap<>();
    for (Map.Entry<MetricName, ? extends Metric> e : consumer.metrics().entrySet()) {
      Object v = e.getValue().metricValue();
      if (!(v instanceof Double d) || d.isNaN()) {
        continue;
      }
      Map<String, String> tags = e.getKey().tags();
      if (e.getKey().name().equals("records-lag-max") && tags.get("topic") == null) {
        lag.set(d.longValue());
      } else if (e.getKey().name().equals("records-lag") && tags.get("partition") != null) {
        seen.put(Integer.valueOf(tags.get("partition")), d.longValue());
      }
    }
    partitionLag(seen);
  }

  /** The lag of each partition now assigned (those missing lose their gauge). */
  void partitionLag(Map<Integer, Long> lags) {
    for (Integer gone : List.copyOf(partitionLag.keySet())) {
      if (!lags.containsKey(gone)) {
        partitionLag.remove(gone);
        registry.remove("cutflow.worker.consumer.partition-lag." + gone);
      }
    }
    lags.forEach(
        (p, value) -> {
          if (partitionLag.put(p, value) == null) {
            registry.register(
                "cutflow.worker.consumer.partition-lag." + p,
                (Gauge<Long>) () -> partitionLag.getOrDefault(p, 0L));
          }
        });
  }

  void lastCommit(long epochMillis) {
    lastCommitMillis.set(epochMillis);
  }

  void assigned(Collection<TopicPartition> partitions, int generation) {
    firstAssignmentMillis.compareAndSet(0, System.currentTimeMillis());
    listener.assigned(partitions, generation);
  }

  void revoked(Collection<TopicPartition> partitions) {
    listener.revoked(partitions);
  }

  public long lastCommitMillis() {
    return lastCommitMillis.get();
  }

  public long firstRecordMillis() {
    return firstRecordMillis.get();
  }

  public MetricRegistry registry() {
    return registry;
  }
}
