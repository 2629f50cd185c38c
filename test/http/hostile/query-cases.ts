import type { Case } from './case.js'

const get = (query: string): Case['request'] => ({ method: 'GET', url: `/recommend?${query}` })
const bad = (name: string, query: string, field: string): Case => ({ name, request: get(query), status: 400, code: 'INVALID_REQUEST', field })
const malformed = (name: string, query: string): Case => ({ name, request: get(query), status: 400, code: 'BAD_REQUEST' })

/** GET /recommend: the query string is coerced only from well-formed numerals and true/false. */
export const queryCases: Case[] = [
  ...[
    'Infinity', '-Infinity', '1e400', '-1e400', 'NaN', '0x10', '0b11', '0o7', '1_0', '%205', '5%20', '+5', '05', '2.5', '1e-400',
    '101', '0', '-1', '', 'ten', '1e3', '9007199254740993', '%49nfinity', '%D9%A1', '%EF%BC%95', '5,6', '[5]', 'true'
  ].map(k => bad(`k=${k}`, `userId=u1&k=${k}`, 'k')),
  bad('k given twice', 'userId=u1&k=3&k=4', 'k'),
  bad('k as a bracketed array', 'userId=u1&k[]=3', 'k[]'),
  ...['1', '0', 'yes', 'TRUE', 'True', '', 'null', 'true,false'].map(v => bad(`excludeSeen=${v}`, `userId=u1&excludeSeen=${v}`, 'excludeSeen')),
  bad('excludeSeen given twice', 'userId=u1&excludeSeen=true&excludeSeen=false', 'excludeSeen'),
  bad('no userId', 'k=3', 'userId'),
  bad('an empty userId', 'userId=', 'userId'),
  bad('a userId of 129 characters', `userId=${'u'.repeat(129)}`, 'userId'),
  bad('a userId of 4 KB', `userId=${'u'.repeat(4096)}`, 'userId'),
  bad('userId given twice', 'userId=a&userId=b', 'userId'),
  bad('an unknown parameter', 'userId=u1&kk=3', 'kk'),
  bad('a __proto__ parameter', 'userId=u1&__proto__=x', '__proto__'),
  bad('a constructor parameter', 'userId=u1&constructor=x', 'constructor'),
  bad('a __proto__[polluted] parameter', 'userId=u1&__proto__[polluted]=1', '__proto__[polluted]'),
  bad('an unknown include field', 'userId=u1&include=price', 'include'),
  bad('include with a trailing comma', 'userId=u1&include=title,', 'include'),
  bad('an empty genres list', 'userId=u1&genres=', 'genres'),
  // one rule with POST's filter.genres: names are trimmed, and an empty one never drops the filter
  bad('a genres list of one comma', 'userId=u1&genres=,', 'genres'),
  bad('a genres list of one space', 'userId=u1&genres=%20', 'genres'),
  bad('a genres list with an empty name', 'userId=u1&genres=Drama,,Comedy', 'genres'),
  bad('a genres list with a trailing comma', 'userId=u1&genres=Drama,', 'genres'),
  bad('a genres list over 1 KB', `userId=u1&genres=${'g'.repeat(1025)}`, 'genres'),
  { name: 'a genre nobody knows', request: get('userId=u1&genres=Drama'), status: 400, code: 'INVALID_REQUEST', field: 'filter.genres' },
  malformed('a userId escaping a lone surrogate (%ED%A0%80)', 'userId=%ED%A0%80'),
  malformed('a userId escaping a stray byte (%FF)', 'userId=%FF'),
  malformed('a truncated escape', 'userId=u%'),
  malformed('a non-hex escape', 'userId=%zz'),
  malformed('a %u escape', 'userId=%uD800'),
  malformed('an undecodable parameter name', 'user%ID=u1')
]
