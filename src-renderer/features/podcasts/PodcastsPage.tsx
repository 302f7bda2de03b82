import { NewShowForm } from './NewShowForm.js';
import { useSelectedShow } from './route.js';
import { ShowList } from './ShowList.js';
import { ShowPage } from './ShowPage.js';

/** The shows and a form for a new one, or one show at `#/podcasts/<id>`. */
export function PodcastsPage() {
  const selected = useSelectedShow();
  if (selected) return <ShowPage key={selected} id={selected} />;
  return (
    <div className="podcasts">
      <div className="podcasts-top">
        <ShowList />
        <NewShowForm />
      </div>
    </div>
  );
}
