import { useCallback, useEffect, useState } from 'react';
import type { AuthBlock } from '../../../src-shared/contract/index.js';
import { call } from '../../api/client.js';
import { Card } from '../../ui/Card.js';
import { Icon } from '../../ui/Icon.js';
import { attempt, toastSuccess } from '../../ui/toast-store.js';
import { blockLine } from './model.js';

/** How often the list is read again while the page is open (blocks end by themselves within a minute). */
const REFRESH_MS = 5000;

/**
 * Addresses and accounts whose guesses are refused now, why, and when that ends; an admin lifts a block
 * at once. `limit`: limits.failedAuthPerMinute, when the caller may read the config.
 */
export function BlocksCard({ mayUnblock, limit }: { mayUnblock: boolean; limit: number | null }) {
  const [blocks, setBlocks] = useState<AuthBlock[]>([]);
  const [now, setNow] = useState(Date.now());

  const load = useCallback(async () => {
    const list = await attempt(() => call('blocks.list', {}));
    if (list) setBlocks(list);
    setNow(Date.now());
  }, []);
  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [load]);

  const unblock = async (block: AuthBlock): Promise<void> => {
    if (await attempt(() => call('blocks.delete', { kind: block.kind, key: block.key }))) toastSuccess(`${block.kind === 'address' ? 'Address' : 'Account'} ${block.key} unblocked`);
    await load();
  };

  return (
    <Card
      title="Blocked after failed sign-ins"
      testId="blocks-card"
      actions={
        <button className="button small-button" aria-label="Refresh" onClick={() => void load()}>
          <Icon name="refresh" size={14} />
        </button>
      }
    >
      <p className="muted small">
        {limit !== null ? `After ${limit} failed authentications in a minute` : 'After too many failed authentications in a minute'}, an address&apos;s further guesses (wrong tokens, stream keys,
        passwords, codes) are refused until the minute has passed, and so are password attempts for an account from anywhere but the studio&apos;s own machine. A valid token or
        session is always served: a script with a wrong token, or someone guessing from the same network, locks nobody out.
      </p>
      {blocks.length === 0 ? (
        <p className="muted" data-testid="blocks-none">Nobody is blocked.</p>
      ) : (
        <table className="table" data-testid="blocks-table">
          <thead>
            <tr><th>Blocked</th><th>Why</th><th>Ends</th>{mayUnblock && <th />}</tr>
          </thead>
          <tbody>
            {blocks.map((b) => {
              const line = blockLine(b, now);
              return (
                <tr key={`${b.kind}:${b.key}`} className="row-warn" data-testid="block-row" data-key={b.key}>
                  <td>{line.what}</td>
                  <td className="muted">{line.why}</td>
                  <td className="muted">{line.ends}</td>
                  {mayUnblock && (
                    <td>
                      <button className="button small-button" data-testid="block-lift" onClick={() => void unblock(b)}>
                        Unblock
                      </button>
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </Card>
  );
}
