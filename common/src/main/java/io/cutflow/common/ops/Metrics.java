package io.cutflow.common.ops;

import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.jvm.GarbageCollectorMetricSet;
import com.codahale.metrics.jvm.MemoryUsageGaugeSet;
import com.codahale.metrics.jvm.ThreadStatesGaugeSet;

/**
 * The process's one Dropwizard {@link MetricRegistry}, with JVM gauges registered under {@code
 * jvm.memory.*}, {@code jvm.gc.*} and {@code jvm.threads.*}. Application code registers its
 * meters/timers here (e.g. {@code worker.images}, {@code worker.stage.inference}) and {@link
 * OpsServer} exposes them at {@code /metrics}.
 */
public final class Metrics {
  private static final Metrics PROCESS = new Metrics(true);

  private final MetricRegistry registry;

  private Metrics(boolean jvmGauges) {
    this.registry = new MetricRegistry();
    if (jvmGauges) {
      registry.register("jvm.memory", new MemoryUsageGaugeSet());
      registry.register("jvm.gc", new GarbageCollectorMetricSet());
      registry.register("jvm.threads", new ThreadStatesGaugeSet());
    }
  }

  /** The per-process instance. */
  public static Metrics process() {
    return PROCESS;
  }

  /** A separate instance (for tests or embedding); with JVM gauges when asked. */
  public static Metrics isolated(boolean jvmGauges) {
    return new Metrics(jvmGauges);
  }

  public MetricRegistry registry() {
    return registry;
  }
}
