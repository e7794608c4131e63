package io.cutflow.worker.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** When an active worker is about to leave, so that a standby still warming must not stay low. */
class StandbyLoweringTest {

  private static String leavingSoon(int recycleAfter, long maxRssMb, long finished, long rss) {
    SupervisorSettings settings =
        SupervisorSettings.defaults().withRecycleAfter(recycleAfter).withMaxRssMb(maxRssMb);
    // leavingSoon reads only the settings: no priority writes, no loop, no tally
    return new StandbyLowering(new StandbyPriority(19, false), null, settings, null)
        .leavingSoon(finished, rss);
  }

  @Test
  void theLastFifthOfTheQuota() {
    assertNull(leavingSoon(50, 0, 39, 0));
    assertEquals("quota", leavingSoon(50, 0, 40, 0));
    assertNull(leavingSoon(0, 0, 1_000_000, 0)); // never recycles: never near
  }

  @Test
  void theLastTenthOfTheMemoryLimit() {
    long mib = 1024 * 1024;
    assertNull(leavingSoon(0, 1000, 1, 900 * mib));
    assertEquals("rss", leavingSoon(0, 1000, 1, 901 * mib));
    assertNull(leavingSoon(0, 0, 1, 10_000 * mib)); // no limit
    assertNull(leavingSoon(0, 1000, 1, -1)); // not yet known
  }

  @Test
  void theQuotaIsNamedFirst() {
    assertEquals("quota", leavingSoon(50, 1000, 45, 990 * 1024 * 1024L));
  }
}
