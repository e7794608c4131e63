package io.cutflow.worker.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class MallocTunablesTest {
  @Test
  void addsHugePagesToNothingOrToOtherTunables() {
    assertEquals("glibc.malloc.hugetlb=1", MallocTunables.withHugePages(null));
    assertEquals("glibc.malloc.hugetlb=1", MallocTunables.withHugePages(" "));
    assertEquals(
        "glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1",
        MallocTunables.withHugePages("glibc.malloc.arena_max=2"));
  }

  @Test
  void aWorkerGetsAFixedMmapThresholdAndHugePagesUnlessTheyAreOff() {
    assertEquals(
        "glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=1048576",
        MallocTunables.forWorker(false, "glibc.malloc.arena_max=2"));
    assertEquals(
        "glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=1048576:glibc.malloc.hugetlb=1",
        MallocTunables.forWorker(true, "glibc.malloc.arena_max=2"));
    assertEquals(
        "glibc.malloc.mmap_threshold=1048576:glibc.malloc.hugetlb=1",
        MallocTunables.forWorker(true, null));
  }

  @Test
  void anOperatorsMmapThresholdStands() {
    assertEquals(
        "glibc.malloc.mmap_threshold=65536:glibc.malloc.hugetlb=1",
        MallocTunables.forWorker(true, "glibc.malloc.mmap_threshold=65536"));
  }

  @Test
  void anOperatorsHugetlbSettingStands() {
    assertEquals("glibc.malloc.hugetlb=0", MallocTunables.withHugePages("glibc.malloc.hugetlb=0"));
    assertEquals(
        "glibc.malloc.arena_max=2:glibc.malloc.hugetlb=2",
        MallocTunables.withHugePages("glibc.malloc.arena_max=2:glibc.malloc.hugetlb=2"));
  }

  @Test
  void requestedOnlyWhenHugetlbIsSetAndNotZero() {
    assertTrue(MallocTunables.hugePagesRequested("glibc.malloc.hugetlb=1"));
    assertTrue(
        MallocTunables.hugePagesRequested("glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1"));
    assertFalse(MallocTunables.hugePagesRequested("glibc.malloc.hugetlb=0"));
    assertFalse(MallocTunables.hugePagesRequested("glibc.malloc.arena_max=2"));
    assertFalse(MallocTunables.hugePagesRequested(null));
  }

  @Test
  void readsTheBracketedTransparentHugePageMode() {
    assertEquals(Optional.of("madvise"), MallocTunables.parseMode("always [madvise] never\n"));
    assertEquals(Optional.of("never"), MallocTunables.parseMode("always madvise [never]\n"));
    assertEquals(Optional.empty(), MallocTunables.parseMode("garbage"));
  }
}
