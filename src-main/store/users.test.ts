import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from './db.js';
import { UserStore } from './users.js';

describe('UserStore.firstOwner (kept between writes: every request of the api-token reads it)', () => {
  let db: Db;
  let users: UserStore;
  beforeEach(() => {
    db = openDatabase(':memory:');
    users = new UserStore(db);
  });
  afterEach(() => db.close());

  it('follows every write of the store: a new account, a disabled or removed owner, a changed second factor or sign-in', () => {
    expect(users.firstOwner()).toBeUndefined();
    const first = users.create({ name: 'ann', role: 'owner' }, 1000)!;
    expect(users.firstOwner()?.id).toBe(first.id);
    const second = users.create({ name: 'bob', role: 'owner' }, 2000)!;
    expect(users.firstOwner()?.id).toBe(first.id);

    users.setTotp(first.id, { secret: 'JBSWY3DPEHPK3PXP' });
    expect(users.firstOwner()?.totpSecret).toBe('JBSWY3DPEHPK3PXP');
    users.setPassword(first.id, 'argon2id$hash');
    expect(users.firstOwner()?.passwordHash).toBe('argon2id$hash');
    users.signedIn(first.id, 5000);
    expect(users.firstOwner()?.lastSignInAt).toBe(5000);
    users.update(first.id, { name: 'anne' });
    expect(users.firstOwner()?.name).toBe('anne');

    users.update(first.id, { disabled: true });
    expect(users.firstOwner()?.id).toBe(second.id);
    users.update(first.id, { disabled: false });
    expect(users.firstOwner()?.id).toBe(first.id);
    users.update(first.id, { role: 'admin' });
    expect(users.firstOwner()?.id).toBe(second.id);
    users.delete(second.id);
    expect(users.firstOwner()).toBeUndefined();
  });

  it('hands out a copy: a caller that changes it changes nothing kept', () => {
    const owner = users.create({ name: 'ann', role: 'owner' })!;
    const read = users.firstOwner()!;
    read.role = 'viewer';
    read.disabled = true;
    expect(users.firstOwner()).toMatchObject({ id: owner.id, role: 'owner', disabled: false });
  });
});
