package io.cutflow.ingest.status;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutflow.common.job.JobCodec;
import java.io.IOException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * {@link JobStatus} as snake_case JSON (the wire mapper of {@link JobCodec}), for the state store
 * and its changelog.
 */
public final class JobStatusSerde implements Serde<JobStatus> {
  private final ObjectMapper mapper = JobCodec.newMapper();

  @Override
  public Serializer<JobStatus> serializer() {
    return (topic, status) -> {
      if (status == null) {
        return null;
      }
      try {
        return mapper.writeValueAsBytes(status);
      } catch (IOException e) {
        throw new SerializationException("cannot serialise job status " + status.jobId(), e);
      }
    };
  }

  @Override
  public Deserializer<JobStatus> deserializer() {
    return (topic, bytes) -> {
      if (bytes == null) {
        return null;
      }
      try {
        return mapper.readValue(bytes, JobStatus.class);
      } catch (IOException e) {
        throw new SerializationException("cannot read job status from " + topic, e);
      }
    };
  }
}
