package io.cutflow.common.kafka;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;

class TopicsTest {

  /**
   * A worker's topic check runs beside its model's warm-up, and a standby warms at low priority: it
   * is given minutes. The admin client's own default.api.timeout.ms must not end it sooner (a
   * standby starved for 60 s crashed that way).
   */
  @Test
  void theTimeoutGivenIsTheOneThatEndsTheCheck() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + closedPort);
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "500");
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "1000");
    p.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "100");
    Topics topics = new Topics("j", "r", "d", 1, (short) 1);
    try (Admin admin = Admin.create(p)) {
      long t0 = System.nanoTime();
      IllegalStateException e =
          assertThrows(
              IllegalStateException.class, () -> topics.ensureTopics(admin, Duration.ofSeconds(5)));
      long ms = (System.nanoTime() - t0) / 1_000_000;
      // a lower bound only: the admin's 1 s default would have ended it after about 1 s
      assertTrue(ms >= 4_500, "the check gave up after " + ms + " ms, not the 5 s it was given");
      assertTrue(e.getMessage().contains("[j, r, d]"), e.getMessage());
    }
  }
}
