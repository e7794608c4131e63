package io.cutflow.worker.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutflow.worker.service.ExitReason;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ControlMessageTest {

  @Test
  void everyMessageParsesBackFromItsLine() {
    List<ControlMessage> all =
        List.of(
            new ControlMessage.Ready(42, 9400, 1234),
            new ControlMessage.Assigned(3, List.of(0, 1, 2)),
            new ControlMessage.Assigned(4, List.of()),
            new ControlMessage.Revoked(List.of(5)),
            new ControlMessage.FirstRecord(1_700_000_000_000L),
            new ControlMessage.Finished(7),
            new ControlMessage.Exit(
                ExitReason.RECYCLE_COUNT, 500, 1_700_000_000_001L, 1_700_000_000_002L),
            ControlMessage.GO,
            ControlMessage.STOP,
            ControlMessage.BYE);
    for (ControlMessage m : all) {
      assertEquals(Optional.of(m), ControlMessage.parse(m.encode()), m.encode());
    }
  }

  @Test
  void linesAreWhatTheOtherSideHasAlwaysRead() {
    assertEquals("READY pid=42 ops=0 warm_ms=300", new ControlMessage.Ready(42, 0, 300).encode());
    assertEquals(
        "EXIT reason=STOPPED finished=0 last_commit_ms=0 first_record_ms=0",
        new ControlMessage.Exit(ExitReason.STOPPED, 0, 0, 0).encode());
    assertEquals(
        "ASSIGNED gen=1 partitions=3,4,5",
        new ControlMessage.Assigned(1, List.of(3, 4, 5)).encode());
  }

  @Test
  void strayLinesAndOddFieldsAreTolerated() {
    assertTrue(ControlMessage.parse("Picked up JAVA_TOOL_OPTIONS: -Xss1m").isEmpty());
    assertTrue(ControlMessage.parse("").isEmpty());
    assertEquals(Optional.of(ControlMessage.GO), ControlMessage.parse("  GO  "));
    assertEquals(
        Optional.of(new ControlMessage.Exit(ExitReason.FATAL, 0, 0, 0)),
        ControlMessage.parse("EXIT reason=NONSENSE finished=x"));
    assertEquals(
        Optional.of(new ControlMessage.Exit(null, 3, 0, 0)),
        ControlMessage.parse("EXIT finished=3"));
    assertEquals(
        Optional.of(new ControlMessage.Revoked(List.of())), ControlMessage.parse("REVOKED"));
    assertEquals(
        Optional.of(new ControlMessage.Assigned(-1, List.of(2))),
        ControlMessage.parse("ASSIGNED partitions=2"));
  }
}
