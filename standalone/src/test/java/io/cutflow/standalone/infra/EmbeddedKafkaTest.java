package io.cutflow.standalone.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

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
}
