package io.cutflow.standalone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RawRunsTest {
  @Test
  void roundsGoOnThroughTheTensorsWhereTheLastOneStopped() throws Exception {
    List<FloatBuffer> tensors =
        List.of(FloatBuffer.allocate(1), FloatBuffer.allocate(1), FloatBuffer.allocate(1));
    List<Integer> ran = new ArrayList<>();
    RawRuns raw = new RawRuns(t -> ran.add(indexOf(tensors, t)), tensors);

    // 7 runs of 3 tensors split as bench splits them: 4 before the pipeline, 3 after
    RawRuns.Round before = raw.run(4);
    RawRuns.Round after = raw.run(3);

    assertEquals(List.of(0, 1, 2, 0, 1, 2, 0), ran);
    assertEquals(4, before.runs());
    assertEquals(3, after.runs());
    RawRuns.Round both = before.plus(after);
    assertEquals(7, both.runs());
    assertEquals(before.nanos() + after.nanos(), both.nanos());
    assertEquals(before.cpuNanos() + after.cpuNanos(), both.cpuNanos());
    assertTrue(both.nanos() > 0);
  }

  @Test
  void anInterruptEndsTheRoundAfterTheRunInProgress() {
    List<FloatBuffer> tensors = List.of(FloatBuffer.allocate(1), FloatBuffer.allocate(1));
    List<Integer> ran = new ArrayList<>();
    RawRuns raw =
        new RawRuns(
            t -> {
              ran.add(indexOf(tensors, t));
              if (ran.size() == 2) {
                Thread.currentThread().interrupt(); // a signal to bench, during the second run
              }
            },
            tensors);
    InterruptedException e = assertThrows(InterruptedException.class, () -> raw.run(5));
    assertEquals(List.of(0, 1), ran);
    assertEquals("raw runs interrupted after 2 of 5", e.getMessage());
    assertFalse(Thread.currentThread().isInterrupted(), "the interrupt was taken");
  }

  @Test
  void aRoundsRatesComeFromItsRunsAndTimes() {
    RawRuns.Round r = new RawRuns.Round(4, 8_000_000_000L, 12_000_000_000L);
    assertEquals(0.5, r.perSecond(), 1e-9);
    assertEquals(3000, r.cpuMsPerRun(), 1e-9);
    assertEquals(
        "4 runs in 8.0 s = 0.500 images/s (2000 ms/image, 3000 ms CPU/image)", r.describe());
    assertEquals(r, r.plus(RawRuns.Round.NONE));
  }

  @Test
  void noTensorsIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> new RawRuns(t -> {}, List.of()));
  }

  private static int indexOf(List<FloatBuffer> tensors, FloatBuffer t) {
    for (int i = 0; i < tensors.size(); i++) {
      if (tensors.get(i) == t) {
        return i;
      }
    }
    return -1;
  }
}
