package io.cutflow.ingest.stats;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * "The last minute" ({@code 1m}) or "the last hour" ({@code 1h}) at the window's resolution: every
 * tumbling window that overlaps {@code [now - size, now]} (the current one and the one before),
 * merged. So a burst that straddles a window boundary is counted whole, and the rate divides by the
 * time those windows cover up to now.
 */
public final class ThroughputQuery {
  private ThroughputQuery() {}

  public static ObjectNode last(
      ThroughputTopology.Window window,
      ReadOnlyWindowStore<String, Throughput> store,
      Instant now) {
    Instant earliestStart = now.minus(window.size.multipliedBy(2)).plusMillis(1);
    Throughput merged = new Throughput();
    Instant from = null;
    Instant to = null;
    try (WindowStoreIterator<Throughput> it = store.fetch("all", earliestStart, now)) {
      while (it.hasNext()) {
        KeyValue<Long, Throughput> w = it.next();
        Instant start = Instant.ofEpochMilli(w.key);
        merged.merge(w.value);
        from = from == null || start.isBefore(from) ? start : from;
        Instant end = start.plus(window.size);
        to = to == null || end.isAfter(to) ? end : to;
      }
    }
    if (from == null) {
      from = now.minus(window.size);
      to = now;
    }
    return StatsView.node(window, from, to, now, merged);
  }
}
