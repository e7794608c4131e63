package io.cutflow.ingest.bucket;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import io.cutflow.ingest.bucket.BridgeRules.Outcome;
import java.util.EnumMap;
import java.util.Map;

/**
 * The bridge's counters, one per {@link Outcome}: {@code cutflow.bridge.events.<outcome>}
 * (registered up front, so every outcome shows at 0). A multi-record event counts once per record;
 * a dead-lettered message counts once.
 */
public final class BridgeMetrics {
  public static final String PREFIX = "cutflow.bridge.events.";

  private final Map<Outcome, Counter> counters = new EnumMap<>(Outcome.class);

  public BridgeMetrics(MetricRegistry registry) {
    for (Outcome o : Outcome.values()) {
      counters.put(o, registry.counter(PREFIX + o.metricName()));
    }
  }

  public void count(Outcome outcome) {
    counters.get(outcome).inc();
  }

  public long get(Outcome outcome) {
    return counters.get(outcome).getCount();
  }
}
