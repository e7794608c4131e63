package io.cutflow.worker.service;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import io.cutflow.common.job.JobResult;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;

/**
 * The worker's Dropwizard metrics: a timer per stage, images/s, failures by code, queue depths,
 * consumer lag, resident memory — exported on {@code /metrics} in Prometheus format.
 */
public final class WorkerMetrics {
  private final MetricRegistry registry;
  private final Meter images;
  private final Timer total;
  private final AtomicLong lag = new AtomicLong(-1);
  private final AtomicLong lastCommitMillis = new AtomicLong();
  private final AtomicLong firstAssignmentMillis = new AtomicLong();
  private final AtomicLong firstRecordMillis = new AtomicLong();
  private long lastLagUpdate;
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
  }

  void gauges(IntSupplier inferenceQueue, IntSupplier inFlight) {
    registry.register("cutflow.worker.queue.inference", (Gauge<Integer>) inferenceQueue::getAsInt);
    registry.register("cutflow.worker.in-flight", (Gauge<Integer>) inFlight::getAsInt);
  }

  void stage(String stage, double millis) {
    registry
        .timer("cutflow.worker.stage." + stage)
        .update(Math.round(millis * 1000), TimeUnit.MICROSECONDS);
  }

  void finished(JobResult result, int count) {
    listener.finished(count);
    total.update(result.timingsMs().total(), TimeUnit.MILLISECONDS);
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

  /** Max lag over this consumer's partitions, from the client's own metric; refreshed every 2 s. */
  void updateLag(Consumer<?, ?> consumer) {
    long now = System.currentTimeMillis();
    if (now - lastLagUpdate < 2000) {
      return;
    }
    lastLagUpdate = now;
    for (Map.Entry<MetricName, ? extends Metric> e : consumer.metrics().entrySet()) {
      if (e.getKey().name().equals("records-lag-max") && e.getKey().tags().get("topic") == null) {
        Object v = e.getValue().metricValue();
        if (v instanceof Double d && !d.isNaN()) {
          lag.set(d.longValue());
        }
      }
    }
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
