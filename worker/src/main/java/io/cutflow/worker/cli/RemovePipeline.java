package io.cutflow.worker.cli;

import com.google.common.util.concurrent.Uninterruptibles;
import io.cutflow.worker.image.InvalidImageException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * Runs a {@link Batch}'s inputs (files for {@code remove}, video frames for {@code frames}) through
 * the three {@link RemoveBatch.Steps} on three threads: the calling thread reads and prepares, one
 * thread runs the model, one finishes and writes. The model runs on all cores but the Java steps on
 * one, so done one after the other they leave a core idle for about a twentieth of each image;
 * overlapped, the next image is decoded and the last one encoded while the model runs. At most one
 * image waits between two steps, and the heap each holds is leased by {@code prepare}, so large
 * images still go one at a time (the remover's memory budget). Outputs, progress and failures keep
 * the items' order per step; failures are reported in item order.
 */
final class RemovePipeline<T, P, I> {

  /**
   * Where the images come from and where their PNGs go. {@link #next} and {@link #read} are called
   * on the run's calling thread, one input after the other; {@link #write} on the finishing thread,
   * in the inputs' order.
   */
  interface Batch<T> {
    /**
     * The next input, or null at the end.
     *
     * @throws IOException the inputs cannot go on (a stream torn inside a frame): the run ends,
     *     with this as its last failure
     */
    T next() throws IOException;

    /** True to leave {@code input} alone (counted as skipped). */
    boolean skip(T input);

    /** The input's name in messages. */
    String name(T input);

    /**
     * The input's bytes, for {@link RemoveBatch.Steps#prepare}; failing (unreadable, over the byte
     * limit) fails this input only.
     */
    byte[] read(T input) throws IOException, InvalidImageException;

    /** Writes the input's PNG; failing fails this input only. */
    void write(T input, byte[] png) throws IOException;
  }

  /** What a run did. */
  record Outcome(int written, int skipped, List<String> failures) {}

  private final Batch<T> batch;
  private final RemoveBatch.Steps<P, I> steps;
  private final Runnable step;

  private final BlockingQueue<Job<T, P, I>> toInfer = new ArrayBlockingQueue<>(1);
  private final BlockingQueue<Job<T, P, I>> toFinish = new ArrayBlockingQueue<>(1);
  private final Map<Integer, String> failures = new TreeMap<>(); // guarded by itself
  private final AtomicInteger written = new AtomicInteger();
  // an Error on a step's thread: the run stops taking items and rethrows it
  private final AtomicReference<Error> fatal = new AtomicReference<>();
  // the process is asked to end (SIGTERM, Ctrl-C): no new image goes to the model
  private final BooleanSupplier stopping;

  /** One input on its way; {@code input} is null for the end-of-run marker. */
  private static final class Job<T, P, I> {
    final int index;
    final T input;
    final String name;
    final P prepared;
    I inferred;
    boolean released;

    Job(int index, T input, String name, P prepared) {
      this.index = index;
      this.input = input;
      this.name = name;
      this.prepared = prepared;
    }
  }

  RemovePipeline(
      Batch<T> batch, RemoveBatch.Steps<P, I> steps, Runnable step, BooleanSupplier stopping) {
    this.batch = batch;
    this.steps = steps;
    this.stopping = stopping;
    this.step = step;
  }

  Outcome run() {
    Thread infer = start("cutflow-remove-infer", () -> drain(toInfer, this::infer, toFinish));
    Thread finish = start("cutflow-remove-finish", () -> drain(toFinish, this::finish, null));
    int skipped = 0;
    Job<T, P, I> end = new Job<>(-1, null, null, null);
    try {
      for (int i = 0; fatal.get() == null && !stopping.getAsBoolean(); i++) {
        T input;
        try {
          input = batch.next();
        } catch (IOException e) {
          fail(i, e.getMessage());
          break;
        }
        if (input == null) {
          break;
        }
        String name = batch.name(input);
        if (batch.skip(input)) {
          skipped++;
          progress();
          continue;
        }
        P prepared;
        try {
          prepared = steps.prepare(batch.read(input), name);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          fail(i, name, e);
          break;
        } catch (Exception e) {
          fail(i, name, e);
          continue;
        }
        if (!handOn(toInfer, new Job<>(i, input, name, prepared))) {
          steps.release(prepared);
          fail(i, name, new InterruptedException());
          break;
        }
      }
    } finally {
      Uninterruptibles.putUninterruptibly(toInfer, end);
      Uninterruptibles.joinUninterruptibly(infer);
      Uninterruptibles.joinUninterruptibly(finish);
    }
    if (fatal.get() != null) {
      throw fatal.get();
    }
    List<String> inOrder;
    synchronized (failures) {
      inOrder = new ArrayList<>(failures.values());
    }
    return new Outcome(written.get(), skipped, List.copyOf(inOrder));
  }

  @FunctionalInterface
  private interface Work<T, P, I> {
    /** Does one step of {@code job}; false when the job ended there. */
    boolean on(Job<T, P, I> job);
  }

  /**
   * Takes jobs from {@code in} until the end marker, which it passes on to {@code out}; a job that
   * {@code work} did not end goes on to {@code out}, one that ended is released. After an Error
   * only releases what it takes.
   */
  private void drain(
      BlockingQueue<Job<T, P, I>> in, Work<T, P, I> work, BlockingQueue<Job<T, P, I>> out) {
    while (true) {
      Job<T, P, I> job = Uninterruptibles.takeUninterruptibly(in);
      if (job.input == null) {
        if (out != null) {
          Uninterruptibles.putUninterruptibly(out, job);
        }
        return;
      }
      boolean goesOn = false;
      try {
        goesOn = fatal.get() == null && work.on(job) && out != null;
      } catch (Error e) {
        fatal.compareAndSet(null, e);
      } finally {
        if (goesOn) {
          Uninterruptibles.putUninterruptibly(out, job);
        } else {
          release(job);
        }
      }
    }
  }

  private boolean infer(Job<T, P, I> job) {
    if (stopping.getAsBoolean()) {
      return false; // neither written nor failed: the caller counts it as not done
    }
    try {
      job.inferred = steps.infer(job.prepared);
      return true;
    } catch (Exception e) {
      fail(job.index, job.name, e);
      return false;
    }
  }

  private boolean finish(Job<T, P, I> job) {
    try {
      batch.write(job.input, steps.finish(job.inferred, job.name));
      written.incrementAndGet();
      progress();
    } catch (Exception e) {
      fail(job.index, job.name, e);
    }
    return false;
  }

  /** Gives back what the job's prepare took, once. */
  private void release(Job<T, P, I> job) {
    if (!job.released) {
      job.released = true;
      steps.release(job.prepared);
    }
  }

  private void fail(int index, String name, Exception e) {
    if (e instanceof InterruptedException) {
      fail(index, name + ": interrupted");
    } else if (e instanceof InvalidImageException || e instanceof IOException) {
      fail(index, e.getMessage() == null ? name + ": " + e : e.getMessage());
    } else {
      fail(index, name + ": " + e);
    }
  }

  private void fail(int index, String message) {
    synchronized (failures) {
      failures.put(index, message);
    }
    progress();
  }

  private void progress() {
    synchronized (step) {
      step.run();
    }
  }

  /** Puts {@code job}; false if this thread is interrupted while the queue is full. */
  private static <T> boolean handOn(BlockingQueue<T> queue, T job) {
    try {
      queue.put(job);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static Thread start(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true); // never the reason the process stays up
    t.start();
    return t;
  }
}
