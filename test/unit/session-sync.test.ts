/// <reference types="mocha" />
import { expect } from '@open-wc/testing';
import { holdLock, lockShared } from '../../src/session/session-sync.js';

/** A promise and its resolver. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('holdLock and lockShared', () => {
  let name: string;
  beforeEach(() => {
    name = `test ${crypto.randomUUID()}`;
  });

  it('should start the task at once, before the lock is granted', async () => {
    let started = false;
    const held = holdLock(name, async () => {
      started = true;
    });
    expect(started, 'synchronously').to.equal(true);
    await held;
  });

  it('should see no other holder when it is the only one (a replayed callback)', async () => {
    const shared = await holdLock(name, () => lockShared(name));
    expect(shared).to.equal(false);
  });

  it('should see another holder, and resolve only once that holder has let go', async () => {
    const first = gate();
    const order: string[] = [];
    const firstHold = holdLock(name, async () => {
      await first.promise;
      order.push('first done');
    });
    const second = holdLock(name, async () => {
      const shared = await lockShared(name);
      order.push('second task');
      return shared;
    });
    void second.then(() => order.push('second resolved'));
    // The second task has run (it does not wait for the lock), but the call resolves only after
    // the first hold is released.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(order).to.deep.equal(['second task']);
    first.open();
    expect(await second).to.equal(true);
    await firstHold;
    expect(order).to.deep.equal(['second task', 'first done', 'second resolved']);
  });

  it('should release the lock when the task throws', async () => {
    const failed = holdLock(name, async () => {
      throw new Error('boom');
    });
    await failed.then(
      () => expect.fail('should reject'),
      (error: Error) => expect(error.message).to.equal('boom'),
    );
    const { held = [], pending = [] } = await navigator.locks.query();
    expect([...held, ...pending].filter((lock) => lock.name === `pkce-login:${name}`)).to.have.length(0);
  });
});
