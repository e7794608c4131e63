package io.cutflow.standalone.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class EmbeddedKafkaTest {
  private static String initialDelay(int groupMembers) {
    return EmbeddedKafka.serverProperties(9092, 9093, Path.of("data"), groupMembers)
        .get("group.initial.rebalance.delay.ms");
  }

  @Test
  void aLoneWorkerIsAssignedItsPartitionsWithoutWaitingForOthers() {
    assertEquals("0", initialDelay(1));
  }

  @Test
  void severalWorkersOrAnUnknownNumberHaveKafkasThreeSecondsToJoinTogether() {
    assertEquals("3000", initialDelay(2));
    assertEquals("3000", initialDelay(6));
    assertEquals("3000", initialDelay(0));
  }

  /** The readiness probe's client connects once the port is open, not while the broker starts. */
  @Test
  void startingLogsNoRefusedConnections() throws Exception {
    Logger kafkaClients = (Logger) LoggerFactory.getLogger("org.apache.kafka.clients");
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    kafkaClients.addAppender(appender);
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      assertTrue(kafka.startupTime().toMillis() > 0);
    } finally {
      kafkaClients.detachAppender(appender);
    }
    List<String> warnings =
        appender.list.stream()
            .filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
            .map(ILoggingEvent::getFormattedMessage)
            .toList();
    assertEquals(List.of(), warnings);
  }
}
