package io.cutflow.ingest.webui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The event format and the fan-out, without a browser. */
class JobEventsTest {
  private final ObjectMapper json = new ObjectMapper();

  @Test
  void aDoneResultIsOneEventWithItsSize() throws Exception {
    JobEvents.Event e = JobEvents.of(Results.ok("job-1", "photo.jpg", 640, 480));
    assertEquals("result", e.name());
    assertEquals("job-1", e.id());
    assertEquals("id: job-1\nevent: result\ndata: " + e.data() + "\n\n", e.wire());
    JsonNode d = json.readTree(e.data());
    assertEquals("job-1", d.get("job_id").asText());
    assertEquals("done", d.get("status").asText());
    assertEquals(640, d.get("image").get("width").asInt());
    assertEquals(480, d.get("image").get("height").asInt());
    assertFalse(d.has("failure"));
  }

  @Test
  void aFailureCarriesItsCodeAndMessageOnOneDataLine() throws Exception {
    // a message with line breaks must not end the event or start a field of its own
    JobEvents.Event e =
        JobEvents.of(Results.failed("job-2", "cannot decode\ndata: {\"forged\":1}\n\n<b>x</b>"));
    assertFalse(e.data().contains("\n"), e.data());
    String wire = e.wire();
    assertEquals(4, wire.split("\n", -1).length - 1, wire); // event, id, data, blank line
    JsonNode d = json.readTree(e.data());
    assertEquals("failed", d.get("status").asText());
    assertEquals("image_corrupt", d.get("failure").get("code").asText());
    assertEquals(
        "cannot decode\ndata: {\"forged\":1}\n\n<b>x</b>",
        d.get("failure").get("message").asText());
  }

  @Test
  void everyPageGetsEveryEventInOrderAndGonePagesAreDropped() throws Exception {
    try (JobEvents events = new JobEvents(Duration.ofSeconds(30))) {
      List<String> a = new CopyOnWriteArrayList<>();
      List<String> b = new CopyOnWriteArrayList<>();
      AtomicInteger goneCalls = new AtomicInteger();
      events.subscribe(sink(a, true));
      events.subscribe(sink(b, true));
      events.subscribe(
          new JobEvents.Sink() {
            @Override
            public boolean send(JobEvents.Event event) {
              goneCalls.incrementAndGet();
              return false; // the page has gone
            }

            @Override
            public boolean ping() {
              return false;
            }
          });
      assertEquals(3, events.clients());
      for (int i = 1; i <= 3; i++) {
        events.publish(Results.ok("job-" + i, "p" + i + ".jpg", 10, 10));
      }
      awaitSize(a, 3);
      awaitSize(b, 3);
      assertEquals(List.of("job-1", "job-2", "job-3"), a);
      assertEquals(a, b);
      assertEquals(1, goneCalls.get(), "a gone page is asked once, then forgotten");
      assertEquals(2, events.clients());
      assertTrue(events.recent("job-2").isPresent());
      assertFalse(events.recent("job-9").isPresent());
    }
  }

  @Test
  void helloComesFirstAndNothingPublishedAfterItIsMissed() throws Exception {
    try (JobEvents events = new JobEvents(Duration.ofSeconds(30))) {
      List<String> seen = new CopyOnWriteArrayList<>();
      CountDownLatch writingHello = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      JobEvents.Sink slowHello =
          new JobEvents.Sink() {
            @Override
            public boolean send(JobEvents.Event event) {
              if (event.name().equals("hello")) {
                writingHello.countDown();
                try {
                  release.await(); // the request thread is still writing hello
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
              seen.add(event.name() + ":" + event.id());
              return true;
            }

            @Override
            public boolean ping() {
              return true;
            }
          };
      Thread page = new Thread(() -> events.greet(slowHello));
      page.start();
      assertTrue(writingHello.await(5, TimeUnit.SECONDS));
      // published while hello is half-written: must come after it, not before and not never
      events.publish(Results.ok("job-1", "p.jpg", 1, 1));
      Thread.sleep(100); // give the sender thread its chance to jump the queue
      release.countDown();
      page.join(5000);
      awaitSize(seen, 2);
      assertEquals(List.of("hello:0", "result:job-1"), seen);
    }
  }

  @Test
  void aSlowPageDoesNotHoldUpThePublisher() throws Exception {
    try (JobEvents events = new JobEvents(Duration.ofSeconds(30))) {
      CountDownLatch release = new CountDownLatch(1);
      events.subscribe(
          new JobEvents.Sink() {
            @Override
            public boolean send(JobEvents.Event event) {
              try {
                release.await(); // a client that does not read
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return true;
            }

            @Override
            public boolean ping() {
              return true;
            }
          });
      long t0 = System.nanoTime();
      for (int i = 0; i < 1000; i++) {
        events.publish(Results.ok("job-" + i, "p.jpg", 1, 1));
      }
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      release.countDown();
      assertTrue(ms < 2000, "publishing 1000 results took " + ms + " ms behind a stuck page");
      assertTrue(events.recent("job-999").isPresent());
    }
  }

  @Test
  void idlePagesArePinged() throws Exception {
    try (JobEvents events = new JobEvents(Duration.ofMillis(50))) {
      CountDownLatch pinged = new CountDownLatch(2);
      events.subscribe(
          new JobEvents.Sink() {
            @Override
            public boolean send(JobEvents.Event event) {
              return true;
            }

            @Override
            public boolean ping() {
              pinged.countDown();
              return true;
            }
          });
      assertTrue(pinged.await(5, TimeUnit.SECONDS), "no heartbeat within 5 s");
    }
  }

  private static JobEvents.Sink sink(List<String> ids, boolean alive) {
    return new JobEvents.Sink() {
      @Override
      public boolean send(JobEvents.Event event) {
        ids.add(event.id());
        return alive;
      }

      @Override
      public boolean ping() {
        return alive;
      }
    };
  }

  private static void awaitSize(List<String> list, int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (list.size() < n && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertEquals(n, list.size(), list.toString());
  }
}
