import t from 'tap';
import { escapeLike, foldForSearch } from '../../src/domain/search-text.js';

t.test('folds Vietnamese the way people type it', async (t) => {
  const cases: Array<[string, string]> = [
    ['Sở Nội vụ', 'so noi vu'],
    ['Ban Quản lý các khu công nghiệp', 'ban quan ly cac khu cong nghiep'],
    ['Đồng Tháp  ĐỨC', 'dong thap duc'],
    ['Ủy ban nhân dân tỉnh Sóc Trăng', 'uy ban nhan dan tinh soc trang'],
    // Precomposed and decomposed forms fold alike.
    ['Kế hoạch'.normalize('NFD'), 'ke hoach'],
    ['Kế hoạch'.normalize('NFC'), 'ke hoach'],
    ['  Thị xã\tVĩnh Châu ', 'thi xa vinh chau'],
  ];
  for (const [input, folded] of cases) t.equal(foldForSearch(input), folded, input);
});

t.test('LIKE wildcards are escaped', async (t) => {
  t.equal(escapeLike('100%_a\\b'), '100\\%\\_a\\\\b');
});
