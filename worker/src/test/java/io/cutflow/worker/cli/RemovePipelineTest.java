package io.cutflow.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutflow.worker.image.ImageLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cutflow remove}'s three steps on three threads ({@link RemovePipeline}): that they do
 * overlap, that what each image's prepare took is given back exactly once however it ends, and that
 * failures come back in the items' order.
 */
@Timeout(30)
class RemovePipelineTest {
  @TempDir Path tmp;

  private List<RemoveBatch.Item> items(String... names) throws IOException {
    List<RemoveBatch.Item> items = new ArrayList<>();
    for (String name : names) {
      Path in = tmp.resolve("in").resolve(name + ".jpg");
      Files.createDirectories(in.getParent());
      Files.writeString(in, name);
      items.add(new RemoveBatch.Item(in, tmp.resolve("out").resolve(name + ".png")));
    }
    return items;
  }

  /** Steps that record what they were given and what was released; each may be overridden. */
  private static class Recording implements RemoveBatch.Steps<String, String> {
    final List<String> released = Collections.synchronizedList(new ArrayList<>());

    @Override
    public String prepare(byte[] data, String name) throws Exception {
      return new String(data);
    }

    @Override
    public String infer(String prepared) throws Exception {
      return prepared.toUpperCase();
    }

    @Override
    public byte[] finish(String inferred, String name) throws Exception {
      return inferred.getBytes();
    }

    @Override
    public void release(String prepared) {
      released.add(prepared);
    }
  }

  @Test
  void theNextImageIsPreparedAndThePreviousFinishedWhileTheModelRuns() throws Exception {
    CountDownLatch secondPrepared = new CountDownLatch(1);
    CountDownLatch secondInferring = new CountDownLatch(1);
    AtomicInteger sawSecondPrepared = new AtomicInteger();
    AtomicInteger sawSecondInferring = new AtomicInteger();
    Recording steps =
        new Recording() {
          @Override
          public String prepare(byte[] data, String name) throws Exception {
            String s = super.prepare(data, name);
            if (s.equals("b")) {
              secondPrepared.countDown();
            }
            return s;
          }

          @Override
          public String infer(String prepared) throws Exception {
            switch (prepared) {
              case "a" -> {
                // run one after the other, b would be prepared only after this returns
                if (secondPrepared.await(10, TimeUnit.SECONDS)) {
                  sawSecondPrepared.incrementAndGet();
                }
              }
              case "b" -> secondInferring.countDown();
              default -> {}
            }
            return super.infer(prepared);
          }

          @Override
          public byte[] finish(String inferred, String name) throws Exception {
            // run one after the other, the model would start on b only after this returns
            if (inferred.equals("A") && secondInferring.await(10, TimeUnit.SECONDS)) {
              sawSecondInferring.incrementAndGet();
            }
            return super.finish(inferred, name);
          }
        };

    RemoveBatch.Outcome o =
        RemoveBatch.run(
            items("a", "b", "c"),
            ImageLimits.defaults(),
            steps,
            false,
            false,
            () -> {},
            () -> false);

    assertEquals(1, sawSecondPrepared.get(), "b was prepared while the model ran on a");
    assertEquals(1, sawSecondInferring.get(), "a was finished while the model ran on b");
    assertEquals(3, o.written());
    assertEquals("B", Files.readString(tmp.resolve("out/b.png")));
    assertEquals(List.of("a", "b", "c"), List.copyOf(steps.released));
  }

  @Test
  void eachPreparedImageIsReleasedOnceWhereverItFailsAndFailuresComeInItemOrder() throws Exception {
    Recording steps =
        new Recording() {
          @Override
          public String prepare(byte[] data, String name) throws Exception {
            if (name.endsWith("p.jpg")) {
              throw new IOException(name + ": cannot decode");
            }
            return super.prepare(data, name);
          }

          @Override
          public String infer(String prepared) throws Exception {
            if (prepared.equals("i")) {
              throw new IllegalStateException("model failed");
            }
            return super.infer(prepared);
          }

          @Override
          public byte[] finish(String inferred, String name) throws Exception {
            if (inferred.equals("F")) {
              throw new IOException(name + ": cannot encode");
            }
            return super.finish(inferred, name);
          }
        };
    List<RemoveBatch.Item> items = items("ok1", "f", "i", "p", "ok2");
    List<String> progress = Collections.synchronizedList(new ArrayList<>());

    RemoveBatch.Outcome o =
        RemoveBatch.run(
            items,
            ImageLimits.defaults(),
            steps,
            false,
            true,
            () -> progress.add("x"),
            () -> false);

    assertEquals(2, o.written());
    assertEquals(2, o.deleted());
    assertEquals(5, progress.size(), "progress once per item");
    assertEquals(
        List.of(
            items.get(1).input() + ": cannot encode",
            items.get(2).input() + ": java.lang.IllegalStateException: model failed",
            items.get(3).input() + ": cannot decode"),
        o.failures());
    List<String> released = new ArrayList<>(steps.released);
    Collections.sort(released);
    assertEquals(List.of("f", "i", "ok1", "ok2"), released, "all but the unprepared p, once");
    assertTrue(Files.exists(items.get(1).input()), "a failed input is kept");
    assertFalse(Files.exists(items.get(0).input()));
  }

  @Test
  void anErrorOnTheModelThreadEndsTheRunReleasingEverythingAndIsRethrown() throws Exception {
    ConcurrentHashMap<String, Integer> releases = new ConcurrentHashMap<>();
    Recording steps =
        new Recording() {
          @Override
          public String infer(String prepared) throws Exception {
            if (prepared.equals("b")) {
              throw new OutOfMemoryError("stand-in");
            }
            return super.infer(prepared);
          }

          @Override
          public void release(String prepared) {
            releases.merge(prepared, 1, Integer::sum);
          }
        };
    List<RemoveBatch.Item> items = items("a", "b", "c", "d", "e", "f");

    OutOfMemoryError e =
        assertThrows(
            OutOfMemoryError.class,
            () ->
                RemoveBatch.run(
                    items, ImageLimits.defaults(), steps, false, false, () -> {}, () -> false));

    assertEquals("stand-in", e.getMessage());
    assertTrue(releases.containsKey("b"), "the failing image is released");
    releases.forEach((k, v) -> assertEquals(1, v, k + " released once"));
    assertFalse(releases.containsKey("f"), "no item is taken after the error: " + releases);
  }

  @Test
  void onceStoppingNoImageGoesToTheModelAndThosePastItAreWritten() throws Exception {
    AtomicBoolean stopping = new AtomicBoolean();
    List<String> prepared = Collections.synchronizedList(new ArrayList<>());
    List<String> inferred = Collections.synchronizedList(new ArrayList<>());
    Recording steps =
        new Recording() {
          @Override
          public String prepare(byte[] data, String name) throws Exception {
            String s = super.prepare(data, name);
            prepared.add(s);
            return s;
          }

          @Override
          public String infer(String p) throws Exception {
            inferred.add(p);
            if (p.equals("b")) {
              stopping.set(true); // asked to end while the model runs on b
            }
            return super.infer(p);
          }
        };
    List<RemoveBatch.Item> items = items("a", "b", "c", "d", "e", "f");

    RemoveBatch.Outcome o =
        RemoveBatch.run(
            items, ImageLimits.defaults(), steps, false, false, () -> {}, stopping::get);

    assertEquals(List.of("a", "b"), inferred);
    assertEquals(2, o.written(), "b, in the model when the stop came, is written");
    assertTrue(Files.exists(tmp.resolve("out/b.png")));
    assertEquals(List.of(), o.failures(), "what the stop left undone is not a failure");
    assertFalse(prepared.contains("f"), "no image is read after the stop: " + prepared);
    List<String> released = new ArrayList<>(steps.released);
    Collections.sort(released);
    assertEquals(prepared.stream().sorted().toList(), released, "every prepared image released");
  }
}
