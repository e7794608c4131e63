package io.cutflow.ingest.webui;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutflow.common.job.JobResult;
import io.javalin.http.Handler;
import io.javalin.http.sse.SseHandler;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Server-Sent Events for the web UI: every job result this instance follows ({@link
 * io.cutflow.ingest.ResultWatcher}, which reads all of the results topic on every instance) goes to
 * every connected page as one {@code result} event; the page keeps the ones for its own jobs. One
 * push per result instead of one poll per job and second.
 *
 * <p>{@link #publish} never blocks the caller (the result watcher also wakes {@code /api/remove}):
 * events go through a bounded queue to one sender thread; a full queue drops the event (counted,
 * the page asks for the status of jobs still queued when it reconnects). The last {@value #RECENT}
 * results are kept for {@link CutoutZip}, so a ZIP finds cutouts whose status another instance
 * holds.
 */
public final class JobEvents implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(JobEvents.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  static final int RECENT = 10_000;
  private static final int QUEUE = 10_000;
  static final Event HELLO = new Event("hello", "0", "{}");

  /** One event as sent: {@code id: id}, {@code event: name}, {@code data: data} (one line). */
  public record Event(String name, String id, String data) {
    /**
     * The event in the text/event-stream format, as Javalin's SSE client writes it; data has no
     * line break (one JSON line), so a message cannot end the event or forge a field.
     */
    public String wire() {
      return "id: " + id + "\nevent: " + name + "\ndata: " + data + "\n\n";
    }
  }

  /** A connected page. */
  public interface Sink {
    /** Sends the event; false once the client has gone. */
    boolean send(Event event);

    /** Sends a comment line (keeps proxies and the page's reader from timing out). */
    boolean ping();

    /** Ends the response (the server is stopping). */
    default void close() {}
  }

  private final Set<Sink> sinks = ConcurrentHashMap.newKeySet();
  private final BlockingQueue<Event> queue = new LinkedBlockingQueue<>(QUEUE);
  private final Map<String, JobResult> recent =
      new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, JobResult> eldest) {
          return size() > RECENT;
        }
      };
  private final AtomicLong dropped = new AtomicLong();
  private final Duration heartbeat;
  private final Thread sender;
  private volatile boolean running = true;

  public JobEvents() {
    this(Duration.ofSeconds(15));
  }

  JobEvents(Duration heartbeat) {
    this.heartbeat = heartbeat;
    this.sender = new Thread(this::sendLoop, "webui-events");
    sender.setDaemon(true);
    sender.start();
  }

  /** The event for a result: its job id, status, and the image size or the failure. */
  public static Event of(JobResult r) {
    ObjectNode n = JSON.createObjectNode();
    n.put("job_id", r.jobId());
    n.put("status", r.isOk() ? "done" : "failed");
    if (r.image() != null) {
      n.putObject("image").put("width", r.image().width()).put("height", r.image().height());
    }
    if (r.failure() != null) {
      n.putObject("failure")
          .put("code", r.failure().code().code())
          .put("message", r.failure().message());
    }
    if (r.model() != null) {
      n.put("model", r.model());
    }
    n.put("total_ms", r.timingsMs().total());
    return new Event("result", r.jobId(), n.toString());
  }

  /** Queues the result's event for every page; never blocks. */
  public void publish(JobResult result) {
    synchronized (recent) {
      recent.put(result.jobId(), result);
    }
    if (!queue.offer(of(result))) {
      long n = dropped.incrementAndGet();
      if (n == 1 || n % 1000 == 0) {
        log.warn("web UI event queue full: {} result events dropped so far", n);
      }
    }
  }

  /** A result this instance saw lately (the last {@value #RECENT}). */
  public Optional<JobResult> recent(String jobId) {
    synchronized (recent) {
      return Optional.ofNullable(recent.get(jobId));
    }
  }

  /** Adds a page; it gets every event published from now on. */
  public void subscribe(Sink sink) {
    sinks.add(sink);
  }

  /**
   * Subscribes the page and sends it {@code hello}, holding the sink's lock so the sender thread
   * waits: the page sees hello before any result and every result published once it is subscribed
   * (on hello the page asks for the status of what it may have missed before).
   */
  void greet(Sink sink) {
    synchronized (sink) {
      subscribe(sink);
      sink.send(HELLO);
    }
  }

  /** Connected pages. */
  public int clients() {
    return sinks.size();
  }

  /** The Javalin handler of {@code GET /v1/events}: one open response per page. */
  public Handler handler() {
    return new SseHandler(
        client -> {
          client.keepAlive();
          Sink sink =
              new Sink() {
                @Override
                public boolean send(Event e) {
                  client.sendEvent(e.name(), e.data(), e.id());
                  return !client.terminated();
                }

                @Override
                public boolean ping() {
                  client.sendComment("ping");
                  return !client.terminated();
                }

                @Override
                public void close() {
                  client.close();
                }
              };
          client.onClose(() -> sinks.remove(sink));
          greet(sink);
        });
  }

  private void sendLoop() {
    while (running) {
      Event e;
      try {
        e = queue.poll(heartbeat.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException ie) {
        return;
      }
      for (Sink s : sinks) {
        boolean alive;
        // the sink's lock: greet() may be writing hello to it from a request thread
        synchronized (s) {
          try {
            alive = e == null ? s.ping() : s.send(e);
          } catch (RuntimeException ex) {
            alive = false;
          }
        }
        if (!alive) {
          sinks.remove(s);
        }
      }
    }
  }

  @Override
  public void close() {
    running = false;
    sender.interrupt();
    // open streams would hold the HTTP server's stop until its timeout
    for (Sink s : sinks) {
      try {
        s.close();
      } catch (RuntimeException e) {
        log.debug("closing an event stream: {}", e.toString());
      }
    }
    sinks.clear();
  }
}
