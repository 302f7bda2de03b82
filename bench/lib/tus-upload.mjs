// One file uploaded to a bench's host over tus (tus-js-client, 8 MiB chunks), as the library's
// uploader does: resolves with the upload's id (GET /api/v1/videos?uploadId= finds its video).
import fs from 'node:fs';
import * as tus from 'tus-js-client';

export function tusUpload(host, file, name) {
  return new Promise((resolve, reject) => {
    const u = new tus.Upload(fs.readFileSync(file), {
      endpoint: `${host.url}/api/v1/uploads`,
      headers: { authorization: `Bearer ${host.token}` },
      chunkSize: 8 * 1024 * 1024,
      metadata: { filename: name },
      retryDelays: [0, 500],
      onError: reject,
      onSuccess: () => resolve(u.url.split('/').pop()),
    });
    u.start();
  });
}
