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
            new ControlMessage.Taken(2, 1_234_567_890_123L),
            new ControlMessage.Done(0, 0),
            new ControlMessage.Suspect(5, 77, 3, "exit 137 (SIGKILL); last log line: a=b c"),
            new ControlMessage.Suspect(5, 77, 0, ""),
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
  void suspectReasonSurvivesAnyTextInOneField() {
    String reason =
        "exit 134 (SIGABRT) of worker pid 7 (slot 0); its last log line: k=v  x=1\n"
            + "# A fatal error has been detected: 100% é\r\ttab + plus %41 & amp";
    ControlMessage.Suspect s = new ControlMessage.Suspect(1, 9, 2, reason);
    String line = s.encode();
    assertEquals(-1, line.indexOf('\n'), line);
    assertEquals(5, line.split(" ").length, line); // verb + 4 fields: the reason is one token
    assertTrue(line.startsWith("SUSPECT partition=1 offset=9 crashes=2 reason="), line);
    ControlMessage back = ControlMessage.parse(line).orElseThrow();
    assertEquals(reason, ((ControlMessage.Suspect) back).reason());
    assertEquals(s, back);
    assertEquals("TAKEN partition=3 offset=41", new ControlMessage.Taken(3, 41).encode());
    assertEquals("DONE partition=3 offset=41", new ControlMessage.Done(3, 41).encode());
    // a malformed escape or a missing reason still parses
    assertEquals(
        Optional.of(new ControlMessage.Suspect(1, 2, 3, "%zz")),
        ControlMessage.parse("SUSPECT partition=1 offset=2 crashes=3 reason=%zz"));
    assertEquals(
        Optional.of(new ControlMessage.Suspect(1, 2, 3, "")),
        ControlMessage.parse("SUSPECT partition=1 offset=2 crashes=3"));
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
