import { describe, expect, it } from 'vitest';
import { toNumberedPlaceholders } from './postgres-driver.js';

describe('toNumberedPlaceholders', () => {
  it.each([
    ['SELECT 1', 'SELECT 1'],
    ['SELECT * FROM t WHERE a = ? AND b < ?', 'SELECT * FROM t WHERE a = $1 AND b < $2'],
    ['INSERT INTO t VALUES (?, ?), (?, ?)', 'INSERT INTO t VALUES ($1, $2), ($3, $4)'],
    ["SELECT '?' AS mark, ? AS value", "SELECT '?' AS mark, $1 AS value"],
    ["SELECT 'it''s ?', ?", "SELECT 'it''s ?', $1"],
    ['SELECT "odd?name" FROM t WHERE x = ?', 'SELECT "odd?name" FROM t WHERE x = $1'],
  ])('%s', (sql, expected) => {
    expect(toNumberedPlaceholders(sql)).toBe(expected);
  });
});
