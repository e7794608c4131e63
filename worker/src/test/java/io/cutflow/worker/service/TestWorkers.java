package io.cutflow.worker.service;

import com.codahale.metrics.MetricRegistry;
import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.job.JobCodec;
import io.cutflow.common.kafka.Topics;
import io.cutflow.common.store.ObjectStore;
import io.cutflow.worker.inference.RemoverFactory;
import io.cutflow.worker.inference.SharedRemover;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;

/**
 * A {@link CutoutWorker} on the shared remover, and a wait, for the run-loop tests of this package.
 */
final class TestWorkers {
  private TestWorkers() {}

  /**
   * {@link #create(CutflowConfig, Consumer, Producer, WorkerSettings, WorkerMetrics)} with two I/O
   * threads, two records in flight and metrics of its own.
   */
  static CutoutWorker create(
      CutflowConfig config, Consumer<String, String> consumer, Producer<String, String> producer)
      throws Exception {
    return create(
        config,
        consumer,
        producer,
        new WorkerSettings("unit-worker", null, 2, 2, 0, 0),
        new WorkerMetrics(new MetricRegistry()));
  }

  /** Writes cutouts to bucket {@code cutouts}; downloads up to 1 MiB. */
  static CutoutWorker create(
      CutflowConfig config,
      Consumer<String, String> consumer,
      Producer<String, String> producer,
      WorkerSettings settings,
      WorkerMetrics metrics)
      throws Exception {
    RemoverFactory.Loaded loaded = SharedRemover.get();
    return new CutoutWorker(
        consumer,
        producer,
        ObjectStore.fromConfig(config),
        loaded.remover(),
        loaded.session(),
        loaded.model(),
        new JobCodec(),
        new Topics(config),
        "cutouts",
        1 << 20,
        settings,
        metrics);
  }

  /** Waits until {@code condition} holds, checking every 20 ms; fails after {@code timeout}. */
  static void await(BooleanSupplier condition, String what, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(20);
    }
  }
}
