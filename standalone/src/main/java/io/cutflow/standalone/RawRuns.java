package io.cutflow.standalone;

import java.nio.FloatBuffer;
import java.util.List;

/**
 * {@code cutflow bench}'s raw figure: the model alone on tensors prepared beforehand, taken in
 * rounds that go on through the tensors where the last one stopped, so that rounds before and after
 * the pipeline together run each image as often as the pipeline does.
 */
final class RawRuns {
  /** One model run on one input tensor ({@code InferenceSession::run}). */
  @FunctionalInterface
  interface ModelRun {
    void run(FloatBuffer input) throws Exception;
  }

  private final ModelRun model;
  private final List<FloatBuffer> tensors;
  private int next;

  RawRuns(ModelRun model, List<FloatBuffer> tensors) {
    if (tensors.isEmpty()) {
      throw new IllegalArgumentException("no tensors to run");
    }
    this.model = model;
    this.tensors = List.copyOf(tensors);
  }

  /**
   * Runs the model {@code count} times, on the tensors in turn; an interrupt ends the round after
   * the run in progress ({@code bench} asked to stop).
   */
  Round run(int count) throws Exception {
    long pid = ProcessHandle.current().pid();
    long cpu0 = ProcessCpu.processNanos(pid);
    long t0 = System.nanoTime();
    for (int i = 0; i < count; i++) {
      if (Thread.interrupted()) {
        throw new InterruptedException("raw runs interrupted after " + i + " of " + count);
      }
      model.run(tensors.get(next));
      next = (next + 1) % tensors.size();
    }
    return new Round(count, System.nanoTime() - t0, ProcessCpu.processNanos(pid) - cpu0);
  }

  /** Model runs, their wall time and this process's CPU time over them. */
  record Round(int runs, long nanos, long cpuNanos) {
    static final Round NONE = new Round(0, 0, 0);

    Round plus(Round other) {
      return new Round(runs + other.runs, nanos + other.nanos, cpuNanos + other.cpuNanos);
    }

    double perSecond() {
      return runs / (nanos / 1e9);
    }

    double cpuMsPerRun() {
      return cpuNanos / 1e6 / runs;
    }

    /** One line: runs, seconds, images/s, ms per image and CPU ms per image. */
    String describe() {
      return String.format(
          "%d runs in %.1f s = %.3f images/s (%.0f ms/image, %.0f ms CPU/image)",
          runs, nanos / 1e9, perSecond(), 1000 / perSecond(), cpuMsPerRun());
    }
  }
}
