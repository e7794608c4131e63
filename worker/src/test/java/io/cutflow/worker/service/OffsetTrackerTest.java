package io.cutflow.worker.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class OffsetTrackerTest {
  private final TopicPartition p0 = new TopicPartition("jobs", 0);
  private final TopicPartition p1 = new TopicPartition("jobs", 1);

  @Test
  void outOfOrderCompletionCommitsOnlyTheFinishedPrefix() {
    OffsetTracker t = new OffsetTracker();
    for (long o = 5; o <= 8; o++) {
      t.track(p0, o);
    }
    t.complete(p0, 7);
    t.complete(p0, 6);
    assertTrue(t.committable().isEmpty(), "5 is unfinished: nothing may be committed");
    t.complete(p0, 5);
    assertEquals(Map.of(p0, new OffsetAndMetadata(8)), t.committable(), "5,6,7 done → position 8");
    assertTrue(t.committable().isEmpty(), "no change, nothing new to commit");
    assertEquals(1, t.inFlight());
    t.complete(p0, 8);
    assertEquals(Map.of(p0, new OffsetAndMetadata(9)), t.committable());
    assertEquals(0, t.inFlight());
  }

  @Test
  void partitionsAreIndependent() {
    OffsetTracker t = new OffsetTracker();
    t.track(p0, 0);
    t.track(p1, 10);
    t.complete(p1, 10);
    assertEquals(Map.of(p1, new OffsetAndMetadata(11)), t.committable());
  }

  @Test
  void revokedPartitionsAreForgottenAndLateCompletionsIgnored() {
    OffsetTracker t = new OffsetTracker();
    t.track(p0, 0);
    t.track(p0, 1);
    t.forget(List.of(p0));
    assertFalse(t.owns(p0, 1));
    t.complete(p0, 0);
    assertTrue(t.committable().isEmpty());
    assertEquals(0, t.inFlight());
  }
}
