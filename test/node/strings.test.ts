/** The element's words in other languages: the plural form chosen by Intl for the page's lang. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_STRINGS, peopleWord, type Strings } from '../../src/p2p-call/strings.js';

const polish: Strings = { ...DEFAULT_STRINGS, person: 'osoba', peopleFew: 'osoby', people: 'osób' };

describe('peopleWord', () => {
  it('picks the plural form of the language, not just one or many', () => {
    const forms = [1, 2, 4, 5, 12, 22, 25].map((n) => peopleWord(polish, n, 'pl'));
    assert.deepEqual(forms, ['osoba', 'osoby', 'osoby', 'osób', 'osób', 'osoby', 'osób']);
    assert.deepEqual([1, 2].map((n) => peopleWord(DEFAULT_STRINGS, n, 'en')), ['person', 'people']);
  });

  it('falls back to `people` for a category the translation has no key for', () => {
    // Arabic has a dual ("two"); a translation without peopleTwo still reads.
    assert.equal(peopleWord({ ...DEFAULT_STRINGS, people: 'أشخاص' }, 2, 'ar'), 'أشخاص');
    assert.equal(peopleWord({ ...DEFAULT_STRINGS, peopleTwo: 'شخصان' }, 2, 'ar'), 'شخصان');
  });

  it('a malformed lang is the browser’s language, not an exception', () => {
    assert.equal(peopleWord(DEFAULT_STRINGS, 3, 'en_US!!'), peopleWord(DEFAULT_STRINGS, 3, ''));
  });
});
