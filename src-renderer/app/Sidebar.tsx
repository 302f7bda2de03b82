import { STUDIO_VERSION } from '../../src-shared/version.js';
import { Icon } from '../ui/Icon.js';
import type { FeatureEntry } from './features.js';
import { hrefFor } from './route.js';

export function Sidebar({ features, active }: { features: readonly FeatureEntry[]; active: string }) {
  return (
    <nav className="sidebar" aria-label="Main">
      <div className="brand">
        <span className="brand-mark"><Icon name="broadcast" size={20} /></span>
        <span className="brand-name">Streams</span>
      </div>
      <ul className="nav-list">
        {features.map((f) => (
          <li key={f.id}>
            <a
              href={hrefFor(f.id)}
              className={`nav-item ${f.id === active ? 'active' : ''}`}
              aria-current={f.id === active ? 'page' : undefined}
              data-testid={`nav-${f.id}`}
            >
              <Icon name={f.icon} />
              <span>{f.label}</span>
            </a>
          </li>
        ))}
      </ul>
      <div className="sidebar-footer" data-testid="app-version">v{STUDIO_VERSION}</div>
    </nav>
  );
}
