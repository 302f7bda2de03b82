/**
 * Apple Podcasts' categories (the list directories take in `itunes:category`): a parent, or a parent
 * and one of its subcategories, written "Parent > Sub" in the API. In the shared folder so that the
 * studio's form offers the same list the host checks against.
 */
export const APPLE_CATEGORIES: Readonly<Record<string, readonly string[]>> = {
  Arts: ['Books', 'Design', 'Fashion & Beauty', 'Food', 'Performing Arts', 'Visual Arts'],
  Business: ['Careers', 'Entrepreneurship', 'Investing', 'Management', 'Marketing', 'Non-Profit'],
  Comedy: ['Comedy Interviews', 'Improv', 'Stand-Up'],
  Education: ['Courses', 'How To', 'Language Learning', 'Self-Improvement'],
  Fiction: ['Comedy Fiction', 'Drama', 'Science Fiction'],
  Government: [],
  History: [],
  'Health & Fitness': ['Alternative Health', 'Fitness', 'Medicine', 'Mental Health', 'Nutrition', 'Sexuality'],
  'Kids & Family': ['Education for Kids', 'Parenting', 'Pets & Animals', 'Stories for Kids'],
  Leisure: ['Animation & Manga', 'Automotive', 'Aviation', 'Crafts', 'Games', 'Hobbies', 'Home & Garden', 'Video Games'],
  Music: ['Music Commentary', 'Music History', 'Music Interviews'],
  News: ['Business News', 'Daily News', 'Entertainment News', 'News Commentary', 'Politics', 'Sports News', 'Tech News'],
  'Religion & Spirituality': ['Buddhism', 'Christianity', 'Hinduism', 'Islam', 'Judaism', 'Religion', 'Spirituality'],
  Science: ['Astronomy', 'Chemistry', 'Earth Sciences', 'Life Sciences', 'Mathematics', 'Natural Sciences', 'Nature', 'Physics', 'Social Sciences'],
  'Society & Culture': ['Documentary', 'Personal Journals', 'Philosophy', 'Places & Travel', 'Relationships'],
  Sports: [
    'Baseball', 'Basketball', 'Cricket', 'Fantasy Sports', 'Football', 'Golf', 'Hockey', 'Rugby', 'Running', 'Soccer', 'Swimming', 'Tennis',
    'Volleyball', 'Wilderness', 'Wrestling',
  ],
  Technology: [],
  'True Crime': [],
  'TV & Film': ['After Shows', 'Film History', 'Film Interviews', 'Film Reviews', 'TV Reviews'],
};

/** "Technology" -> ["Technology"]; "Arts > Design" -> ["Arts", "Design"]; else null. */
export function splitCategory(text: string): [string] | [string, string] | null {
  const parts = text.split('>').map((p) => p.trim());
  const subs = APPLE_CATEGORIES[parts[0]!];
  if (!Object.hasOwn(APPLE_CATEGORIES, parts[0]!) || !subs) return null;
  if (parts.length === 1) return [parts[0]!];
  if (parts.length === 2 && subs.includes(parts[1]!)) return [parts[0]!, parts[1]!];
  return null;
}

export const isAppleCategory = (text: string): boolean => splitCategory(text) !== null;

/** Every choice, "Parent" then its "Parent > Sub" lines, for a select. */
export const categoryChoices = (): string[] => Object.entries(APPLE_CATEGORIES).flatMap(([parent, subs]) => [parent, ...subs.map((s) => `${parent} > ${s}`)]);
