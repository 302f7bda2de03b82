import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '../styles.css';
import './guest.css';
import { guestClient, linkOf } from './guest-client.js';
import { GuestPage } from './GuestPage.js';

// The guest page: no account, no session; the link's JWT (after #) is the guest's only credential.
const { id, token } = linkOf(window.location);
const root = document.getElementById('root');
if (!root) throw new Error('guest.html lacks #root');
createRoot(root).render(
  <StrictMode>
    {token ? (
      <GuestPage client={guestClient(id, token)} />
    ) : (
      <main className="guest ended" data-testid="guest-error">
        <h1>This link is incomplete</h1>
        <p>Open the whole link the producer sent you: its end (after #) lets you in.</p>
      </main>
    )}
  </StrictMode>,
);
