package io.cutflow.worker.cli;

import com.google.common.util.concurrent.Uninterruptibles;
import io.cutflow.worker.image.InvalidImageException;
import java.io.IOException;
import java.nio.file.Files;
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
 * Runs {@link RemoveBatch}'s items through the three {@link RemoveBatch.Steps} on three threads:
 * the calling thread reads and prepares, one thread runs the model, one finishes and writes. The
 * model runs on all cores but the Java steps on one, so done one after the other they leave a core
 * idle for about a twentieth of each image; overlapped, the next image is decoded and the last one
 * encoded while the model runs. At most one image waits between two steps, and the heap each holds
 * is leased by {@code prepare}, so large images still go one at a time (the remover's memory
 * budget). Outputs, progress and failures keep the items' order per step; failures are reported in
 * item order.
 */
final class RemovePipeline<P, I> {
  private final RemoveBatch.Steps<P, I> steps;
  private final boolean skipExisting;
  private final boolean deleteInput;
  private final Runnable step;

  private final BlockingQueue<Job<P, I>> toInfer = new ArrayBlockingQueue<>(1);
  private final BlockingQueue<Job<P, I>> toFinish = new ArrayBlockingQueue<>(1);
  private final Map<Integer, String> failures = new TreeMap<>(); // guarded by itself
  private final AtomicInteger written = new AtomicInteger();
  private final AtomicInteger deleted = new AtomicInteger();
  // an Error on a step's thread: the run stops taking items and rethrows it
  private final AtomicReference<Error> fatal = new AtomicReference<>();
  // the process is asked to end (SIGTERM, Ctrl-C): no new image goes to the model
  private final BooleanSupplier stopping;

  /** One item on its way; {@code item} is null for the end-of-run marker. */
  private static final class Job<P, I> {
    final int index;
    final RemoveBatch.Item item;
    final P prepared;
    I inferred;
    boolean released;

    Job(int index, RemoveBatch.Item item, P prepared) {
      this.index = index;
      this.item = item;
      this.prepared = prepared;
    }
  }

  RemovePipeline(
      RemoveBatch.Steps<P, I> steps,
      boolean skipExisting,
      boolean deleteInput,
      Runnable step,
      BooleanSupplier stopping) {
    this.steps = steps;
    this.stopping = stopping;
    this.skipExisting = skipExisting;
    this.deleteInput = deleteInput;
    this.step = step;
  }

  RemoveBatch.Outcome run(List<RemoveBatch.Item> items) {
    Thread infer = start("cutflow-remove-infer", () -> drain(toInfer, this::infer, toFinish));
    Thread finish = start("cutflow-remove-finish", () -> drain(toFinish, this::finish, null));
    int skipped = 0;
    Job<P, I> end = new Job<>(-1, null, null);
    try {
      for (int i = 0; i < items.size() && fatal.get() == null && !stopping.getAsBoolean(); i++) {
        RemoveBatch.Item item = items.get(i);
        if (skipExisting && Files.exists(item.output())) {
          skipped++;
          progress();
          continue;
        }
        P prepared;
        try {
          prepared = steps.prepare(Files.readAllBytes(item.input()), item.input().toString());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          fail(i, item, e);
          break;
        } catch (Exception e) {
          fail(i, item, e);
          continue;
        }
        if (!handOn(toInfer, new Job<>(i, item, prepared))) {
          steps.release(prepared);
          fail(i, item, new InterruptedException());
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
    return new RemoveBatch.Outcome(written.get(), skipped, deleted.get(), List.copyOf(inOrder));
  }

  @FunctionalInterface
  private interface Work<P, I> {
    /** Does one step of {@code job}; false when the job ended there. */
    boolean on(Job<P, I> job);
  }

  /**
   * Takes jobs from {@code in} until the end marker, which it passes on to {@code out}; a job that
   * {@code work} did not end goes on to {@code out}, one that ended is released. After an Error
   * only releases what it takes.
   */
  private void drain(BlockingQueue<Job<P, I>> in, Work<P, I> work, BlockingQueue<Job<P, I>> out) {
    while (true) {
      Job<P, I> job = Uninterruptibles.takeUninterruptibly(in);
      if (job.item == null) {
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

  private boolean infer(Job<P, I> job) {
    if (stopping.getAsBoolean()) {
      return false; // neither written nor failed: the caller counts it as not done
    }
    try {
      job.inferred = steps.infer(job.prepared);
      return true;
    } catch (Exception e) {
      fail(job.index, job.item, e);
      return false;
    }
  }

  private boolean finish(Job<P, I> job) {
    RemoveBatch.Item item = job.item;
    try {
      RemoveBatch.writeVerified(item.output(), steps.finish(job.inferred, item.input().toString()));
      written.incrementAndGet();
      if (deleteInput && !Files.isSameFile(item.input(), item.output())) {
        Files.delete(item.input());
        deleted.incrementAndGet();
      }
      progress();
    } catch (Exception e) {
      fail(job.index, item, e);
    }
    return false;
  }

  /** Gives back what the job's prepare took, once. */
  private void release(Job<P, I> job) {
    if (!job.released) {
      job.released = true;
      steps.release(job.prepared);
    }
  }

  private void fail(int index, RemoveBatch.Item item, Exception e) {
    String message;
    if (e instanceof InterruptedException) {
      message = item.input() + ": interrupted";
    } else if (e instanceof InvalidImageException || e instanceof IOException) {
      message = e.getMessage() == null ? item.input() + ": " + e : e.getMessage();
    } else {
      message = item.input() + ": " + e;
    }
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
