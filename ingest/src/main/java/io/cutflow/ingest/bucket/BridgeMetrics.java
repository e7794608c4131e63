package io.cutflow.ingest.bucket;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import io.cutflow.ingest.bucket.BridgeRules.Outcome;
import java.util.EnumMap;
import java.util.Map;

/**
 * The bridge's counters, one per {@link Outcome}: {@code cutflow.bridge.events.<outcome>}
 * (registered up front, so every outcome shows at 0; a multi-record event counts once per record, a
 * dead-lettered message once), and its cutout names' ({@code cutflow.bridge.cutout-names.<what>}).
 */
public final class BridgeMetrics {
  public static final String PREFIX = "cutflow.bridge.events.";

  /** Cutout names ({@link CutoutNamer}): {@code named-apart}, {@code released}. */
  public static final String NAMES_PREFIX = "cutflow.bridge.cutout-names.";

  private final Map<Outcome, Counter> counters = new EnumMap<>(Outcome.class);
  private final Counter namedApart;
  private final Counter namesReleased;

  public BridgeMetrics(MetricRegistry registry) {
    for (Outcome o : Outcome.values()) {
      counters.put(o, registry.counter(PREFIX + o.metricName()));
    }
    namedApart = registry.counter(NAMES_PREFIX + "named-apart");
    namesReleased = registry.counter(NAMES_PREFIX + "released");
  }

  /** A job whose cutout could not have its usual key (another upload has it). */
  void namedApart() {
    namedApart.inc();
  }

  /** A deleted upload's cutout key given back. */
  void nameReleased() {
    namesReleased.inc();
  }

  public void count(Outcome outcome) {
    counters.get(outcome).inc();
  }

  public long get(Outcome outcome) {
    return counters.get(outcome).getCount();
  }
}
