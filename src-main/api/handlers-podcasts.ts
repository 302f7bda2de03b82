import type { PodcastDelivery } from '../podcasts/delivery.js';
import type { PodcastService } from '../podcasts/service.js';
import type { Handlers } from './dispatch.js';

type PodcastMethod = Extract<keyof Handlers, `podcasts.${string}`>;

export interface PodcastHandlerDeps {
  service: PodcastService;
  delivery: Pick<PodcastDelivery, 'report'>;
}

/** Shows, episodes, subscribers and downloads (the listener's side is podcasts/routes.ts). */
export function podcastHandlers({ service, delivery }: PodcastHandlerDeps): Pick<Handlers, PodcastMethod> {
  return {
    'podcasts.shows': () => service.shows(),
    'podcasts.show': ({ id }) => service.show(id),
    'podcasts.createShow': (input) => service.createShow(input),
    'podcasts.updateShow': ({ id, ...edits }) => service.updateShow(id, edits),
    'podcasts.deleteShow': ({ id }) => service.deleteShow(id),
    'podcasts.episodes': ({ id }) => service.episodes(id),
    'podcasts.createEpisode': ({ id, ...input }) => service.createEpisode(id, input),
    'podcasts.updateEpisode': ({ id, episodeId, ...edits }) => service.updateEpisode(id, episodeId, edits),
    'podcasts.deleteEpisode': ({ id, episodeId }) => service.deleteEpisode(id, episodeId),
    'podcasts.subscribers': ({ id }) => service.subscribers(id),
    'podcasts.addSubscriber': ({ id, name }) => service.addSubscriber(id, name),
    'podcasts.removeSubscriber': ({ id, subscriberId }) => service.removeSubscriber(id, subscriberId),
    'podcasts.downloads': ({ id, from, to }) => delivery.report(id, from, to),
  };
}
