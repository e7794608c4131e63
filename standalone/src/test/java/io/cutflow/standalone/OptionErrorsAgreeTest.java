package io.cutflow.standalone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.cutflow.common.job.InvalidJobException;
import io.cutflow.common.job.JobCodec;
import io.cutflow.ingest.http.ApiError;
import io.cutflow.ingest.http.CutoutParams;
import io.cutflow.worker.service.CutoutWorker;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * One bad option value, three surfaces, one message: the CLI ({@code cutflow remove -bgc}), the
 * HTTP parameter reader ({@code bgc=}) and a Kafka job ({@code options.bgcolor}) each name the
 * option as the caller spelled it, followed by the same text from {@code CutoutOptions}. The HTTP
 * routes give that message in the 400 body ({@code IngestApiOptionErrorTest} in ingest).
 */
class OptionErrorsAgreeTest {
  private static final String PROBLEM = "each of R,G,B,A must be 0..255, got '300,0,0,0'";

  @TempDir Path tmp;

  @Test
  void badBgcolorGivesTheSameErrorFromCliHttpAndKafka() throws Exception {
    StringWriter err = new StringWriter();
    CommandLine cli = CutflowCli.commandLine();
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute("remove", "-bgc", "300,0,0,0", "-o", tmp.toString(), "photo.jpg");
    assertEquals(2, exit, err.toString());
    assertEquals(List.of("cutflow remove: -bgc: " + PROBLEM), err.toString().lines().toList());

    ApiError http =
        assertThrows(ApiError.class, () -> CutoutParams.parse(Map.of("bgc", "300,0,0,0")::get));
    assertEquals(400, http.status());
    assertEquals("invalid_parameter", http.code());
    assertEquals("bgc: " + PROBLEM, http.getMessage());

    String job =
        """
        {"schema":"cutflow.job-request/v1","job_id":"img-1",
         "source":{"bucket":"cutflow-raw","key":"a.jpg"},
         "options":{"bgcolor":[300,0,0,0]},"submitted_at":"2025-01-31T12:00:00Z"}""";
    InvalidJobException kafka =
        assertThrows(InvalidJobException.class, () -> new JobCodec().decodeRequest(job));
    assertEquals("schema_violation", kafka.code());
    assertEquals(
        "cutflow.jobs-0@0: invalid job request: options.bgcolor: " + PROBLEM,
        CutoutWorker.invalidJobMessage("cutflow.jobs-0@0", kafka));
  }

  @Test
  void samWithoutAPromptGivesTheSameErrorFromCliHttpAndKafka() throws Exception {
    String problem = io.cutflow.common.job.SamPromptOption.missingPrompt("sam");
    StringWriter err = new StringWriter();
    CommandLine cli = CutflowCli.commandLine();
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute("remove", "-m", "sam", "-o", tmp.toString(), "photo.jpg");
    assertEquals(2, exit, err.toString());
    assertEquals(
        List.of("cutflow remove: sam_prompt: " + problem), err.toString().lines().toList());

    ApiError http =
        assertThrows(ApiError.class, () -> CutoutParams.parse(Map.of("model", "sam")::get));
    assertEquals(400, http.status());
    assertEquals("invalid_parameter", http.code());
    assertEquals("sam_prompt: " + problem, http.getMessage());

    String job =
        """
        {"schema":"cutflow.job-request/v1","job_id":"img-1",
         "source":{"bucket":"cutflow-raw","key":"a.jpg"},
         "options":{"model":"sam"},"submitted_at":"2025-01-31T12:00:00Z"}""";
    InvalidJobException kafka =
        assertThrows(InvalidJobException.class, () -> new JobCodec().decodeRequest(job));
    assertEquals("schema_violation", kafka.code());
    assertEquals(
        "cutflow.jobs-0@0: invalid job request: options.sam_prompt: " + problem,
        CutoutWorker.invalidJobMessage("cutflow.jobs-0@0", kafka));
  }

  @Test
  void cliAndHttpAcceptTheSameColourSpellings() {
    for (String colour : new String[] {"1,2,3,4", "(1, 2, 3, 4)", "[1,2,3,4]"}) {
      assertEquals(
          List.of(1, 2, 3, 4),
          CutoutParams.parse(Map.of("bgcolor", colour)::get).options().bgcolor(),
          colour);
    }
  }
}
