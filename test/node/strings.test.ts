/** The element's words in other languages: plural forms and digits chosen by Intl for the page's lang. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_STRINGS, countPeople, type Strings } from '../../src/p2p-call/strings.js';

const polish: Strings = { ...DEFAULT_STRINGS, person: 'osoba', peopleFew: 'osoby', people: 'osób' };

describe('countPeople', () => {
  it('picks the plural form of the language, not just one or many', () => {
    const forms = [1, 2, 4, 5, 12, 22, 25].map((n) => countPeople(polish, n, 'pl').people);
    assert.deepEqual(forms, ['osoba', 'osoby', 'osoby', 'osób', 'osób', 'osoby', 'osób']);
  });

  it('falls back to `people` for a category the translation has no key for', () => {
    // Arabic has a dual ("two"); a translation without peopleTwo still reads.
    assert.equal(countPeople({ ...DEFAULT_STRINGS, people: 'أشخاص' }, 2, 'ar').people, 'أشخاص');
    assert.equal(countPeople({ ...DEFAULT_STRINGS, peopleTwo: 'شخصان' }, 2, 'ar').people, 'شخصان');
  });

  it('writes the count in the language’s digits', () => {
    assert.equal(countPeople(DEFAULT_STRINGS, 12, 'ar-EG').count, '١٢');
    assert.deepEqual(countPeople(DEFAULT_STRINGS, 1, 'en'), { count: '1', people: 'person' });
  });

  it('a malformed lang is the browser’s language, not an exception', () => {
    assert.deepEqual(countPeople(DEFAULT_STRINGS, 3, 'en_US!!'), countPeople(DEFAULT_STRINGS, 3, ''));
  });
});
