package io.cutflow.ingest.status;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.TopicPartition;

/**
 * Whether the job-status application has read what its input topics held when this check began, in
 * two steps, since the repartition topic fills as the sources are read: first the source topics
 * (jobs, results) up to their ends at the first {@link #left()}, then the repartition topic up to
 * its end once they are read (Streams flushes its producer before it commits the input offsets, so
 * by then everything read from the sources is on the repartition topic). For the whole consumer
 * group, not this instance alone: a job's record may be read by another instance and reach this one
 * through the repartition topic. Not thread-safe: one caller at a time.
 */
final class ReadUpTo {
  private final GroupOffsets offsets;
  private final List<String> sources;
  private final String repartition;
  private Map<TopicPartition, Long> targets;
  private boolean onRepartition;

  ReadUpTo(GroupOffsets offsets, List<String> sources, String repartition) {
    this.offsets = offsets;
    this.sources = List.copyOf(sources);
    this.repartition = repartition;
  }

  /** Empty once read up to the targets; else what is left to read. */
  Optional<String> left() throws Exception {
    if (!onRepartition) {
      if (targets == null) {
        targets = offsets.ends(sources);
      }
      GroupOffsets.Backlog b = offsets.backlog(targets);
      if (!b.none()) {
        return Optional.of(b.describe(String.join(", ", sources)));
      }
      onRepartition = true;
      targets = offsets.ends(List.of(repartition));
    }
    GroupOffsets.Backlog b = offsets.backlog(targets);
    return b.none() ? Optional.empty() : Optional.of(b.describe(repartition));
  }
}
