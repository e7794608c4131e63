package io.cutflow.worker.service;

import io.cutflow.worker.inference.BackgroundRemover;
import io.cutflow.worker.inference.InferenceSession;
import java.nio.FloatBuffer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The bounded set of model input buffers that pre-processed images wait in, so memory does not grow
 * with the backlog: a fetch thread blocks in {@link #take} while all are in use. Each is allocated
 * the first time it is needed (12 MiB for a 1024² model), so a worker that only ever holds one or
 * two images at once, such as one working on a very large image, holds one or two of them.
 */
final class InputBuffers implements BackgroundRemover.InputPool {
  private final InferenceSession session;
  private final BlockingQueue<FloatBuffer> free = new LinkedBlockingQueue<>();
  private int unallocated;

  InputBuffers(InferenceSession session, int count) {
    this.session = session;
    this.unallocated = count;
  }

  @Override
  public FloatBuffer take() throws InterruptedException {
    FloatBuffer buffer = free.poll();
    if (buffer != null) {
      return buffer;
    }
    synchronized (this) {
      if (unallocated > 0) {
        unallocated--;
        return session.newInputBuffer();
      }
    }
    return free.take();
  }

  @Override
  public void release(FloatBuffer buffer) {
    free.add(buffer);
  }
}
