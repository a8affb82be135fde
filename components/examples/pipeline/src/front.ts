/**
 * pipeline-front: `POST /` with a text body (or `GET /?text=...`) passes the text to the linked
 * `lattice:pipeline/transform` component and returns its result as JSON.
 */
import { apply } from 'lattice:pipeline/transform@0.1.0';
import { log } from 'wasi:logging/logging@0.1.0-draft';

async function inputText(request: Request): Promise<string> {
  if (request.method === 'POST' || request.method === 'PUT') return request.text();
  return new URL(request.url).searchParams.get('text') ?? '';
}

addEventListener('fetch', (event) => {
  event.respondWith(
    inputText(event.request).then((text) => {
      try {
        const outcome = apply(text);
        return Response.json({ input: text, output: outcome.text, by: outcome.by });
      } catch (error) {
        // The interface's err(string) arrives as a thrown error carrying the string as payload.
        const reason = String((error as { payload?: unknown }).payload ?? error);
        log('warn', 'pipeline-front', `transform refused: ${reason}`);
        return Response.json({ input: text, error: reason }, { status: 422 });
      }
    }),
  );
});
