package io.cutflow.worker.service;

import io.cutflow.worker.inference.InferenceSession;
import java.nio.FloatBuffer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The fixed set of model input buffers that pre-processed images wait in. Allocated once, so memory
 * does not grow with the backlog; a fetch thread blocks in {@link #take} while all are in use.
 */
final class InputBuffers {
  private final BlockingQueue<FloatBuffer> free = new LinkedBlockingQueue<>();

  InputBuffers(InferenceSession session, int count) {
    for (int i = 0; i < count; i++) {
      free.add(session.newInputBuffer());
    }
  }

  FloatBuffer take() throws InterruptedException {
    return free.take();
  }

  void release(FloatBuffer buffer) {
    free.add(buffer);
  }
}
