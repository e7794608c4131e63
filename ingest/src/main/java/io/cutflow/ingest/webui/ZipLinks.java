package io.cutflow.ingest.webui;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Short-lived download links for a ZIP of cutouts. The page asks for one with the API key ({@code
 * POST /v1/zips}) and gets an unguessable URL the browser can download natively (a plain link
 * carries no header), which streams to disk instead of into the page's memory. A link holds only
 * job ids, lives {@link #TTL} on the instance that made it, and may be fetched again until then.
 */
final class ZipLinks {
  static final Duration TTL = Duration.ofMinutes(15);
  static final int MAX_LINKS = 1000;

  record Link(List<String> jobIds, Instant expires) {}

  private final SecureRandom random = new SecureRandom();
  private final Map<String, Link> links = new ConcurrentHashMap<>();
  private final Clock clock;

  ZipLinks(Clock clock) {
    this.clock = clock;
  }

  /** A new token (128 random bits, hex) for these jobs. */
  String create(List<String> jobIds) {
    purge();
    if (links.size() >= MAX_LINKS) {
      // the oldest would expire soonest anyway: a flood of links must not grow the map
      links.entrySet().stream()
          .min(Map.Entry.comparingByValue((a, b) -> a.expires().compareTo(b.expires())))
          .ifPresent(e -> links.remove(e.getKey()));
    }
    byte[] b = new byte[16];
    random.nextBytes(b);
    String token = HexFormat.of().formatHex(b);
    links.put(token, new Link(List.copyOf(jobIds), clock.instant().plus(TTL)));
    return token;
  }

  /** The link's jobs while it has not expired. */
  Optional<Link> get(String token) {
    Link l = links.get(token);
    if (l == null || !clock.instant().isBefore(l.expires())) {
      return Optional.empty();
    }
    return Optional.of(l);
  }

  private void purge() {
    Instant now = clock.instant();
    for (Iterator<Link> it = links.values().iterator(); it.hasNext(); ) {
      if (!now.isBefore(it.next().expires())) {
        it.remove();
      }
    }
  }
}
