package io.cutflow.ingest.bucket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BucketEventFormatTest {
  @Test
  void whatTheWatcherWritesReadsBackTheSameWithOddKeys() throws Exception {
    for (String key : List.of("a b.jpg", "a+b.jpg", "dir/sub/ünï cødé 写真.png", "100%.jpg")) {
      BucketEvent e =
          new BucketEvent(
              BucketEvent.CREATED_PUT, "cutflow-inbox", key, 42L, "abc", null, null, Map.of());
      String json = BucketEventFormat.format(e);
      assertEquals(List.of(e), BucketEventFormat.parse(json), json);
      assertTrue(json.contains("\"Key\":\"cutflow-inbox/" + key + "\""), json);
    }
  }

  @Test
  void awsEventNamesGetMinioPrefix() throws Exception {
    String json =
        "{\"Records\":[{\"eventName\":\"ObjectRemoved:Delete\",\"s3\":{\"bucket\":{\"name\":\"b12\"},"
            + "\"object\":{\"key\":\"k\"}}}]}";
    BucketEvent e = BucketEventFormat.parse(json).get(0);
    assertEquals("s3:ObjectRemoved:Delete", e.eventName());
    assertEquals(null, e.size());
    assertTrue(!e.isCreated());
  }

  @Test
  void refusalsSayWhatIsWrong() {
    var e =
        assertThrows(
            InvalidBucketEventException.class, () -> BucketEventFormat.parse("{\"Records\":{}}"));
    assertEquals("'Records' is not an array", e.getMessage());
    var size =
        assertThrows(
            InvalidBucketEventException.class,
            () ->
                BucketEventFormat.parse(
                    "{\"Records\":[{\"eventName\":\"s3:ObjectCreated:Put\",\"s3\":{\"bucket\":{\"name\":\"b12\"},"
                        + "\"object\":{\"key\":\"k\",\"size\":\"big\"}}}]}"));
    assertEquals("Records[0].s3.object.size is not a number: \"big\"", size.getMessage());
  }
}
