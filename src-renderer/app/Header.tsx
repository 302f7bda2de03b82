import { transportKind } from '../api/client.js';
import { Icon } from '../ui/Icon.js';
import { ConnectionIndicator } from './ConnectionIndicator.js';
import { useSession } from './session-store.js';

export function Header({ title }: { title: string }) {
  const info = useSession((s) => s.info);
  const state = useSession((s) => s.connection);
  const signOut = useSession((s) => s.signOut);
  return (
    <header className="app-header">
      <div className="app-header-titles">
        <div className="studio-name" data-testid="studio-name">{info?.name ?? 'Streams Studio'}</div>
        <h1 className="page-title">{title}</h1>
      </div>
      <div className="app-header-side">
        {info && (
          <span className="host-chip" title={info.home}>
            {info.hostname} · {info.mode}
          </span>
        )}
        <ConnectionIndicator state={state} />
        {transportKind === 'http' && (
          <button className="button ghost" data-testid="sign-out" onClick={() => void signOut()}>
            <Icon name="logout" size={16} /> Sign out
          </button>
        )}
      </div>
    </header>
  );
}
