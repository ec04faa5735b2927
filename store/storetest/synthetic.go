package storetest

import (
	"fmt"
	"strings"

	"xuexibot/store"
)

// Parts of synthetic university names, built the way Chinese universities
// are named: place + discipline + kind, and independent colleges named
// after their parent university (湘潭大学兴湘学院). No part contains 警察, so
// the fragment 警察学院 keeps naming the one seed school at every size.
var (
	synthPlaces = strings.Fields(`北京 上海 天津 重庆 石家庄 唐山 保定 邯郸 太原 大同 呼和浩特 包头 沈阳 大连 鞍山
		长春 吉林 哈尔滨 齐齐哈尔 南京 苏州 无锡 徐州 常州 南通 扬州 杭州 宁波 温州 绍兴 嘉兴 金华 合肥 芜湖
		蚌埠 安庆 福州 厦门 泉州 漳州 南昌 赣州 九江 景德镇 济南 青岛 烟台 潍坊 临沂 淄博 郑州 洛阳 开封 新乡
		南阳 武汉 宜昌 襄阳 荆州 黄冈 广州 深圳 珠海 汕头 佛山 湛江 韶关 南宁 桂林 柳州 北海 海口 三亚 成都
		绵阳 自贡 宜宾 南充 贵阳 遵义 昆明 大理 曲靖 拉萨 西安 宝鸡 延安 咸阳 兰州 天水 西宁 银川 乌鲁木齐
		喀什 伊犁 秦皇岛 承德 廊坊 张家口 营口 锦州 丹东 铁岭 牡丹江 佳木斯 盐城 泰州 连云港 湖州 台州 舟山
		淮南 马鞍山 宿州 龙岩 三明 宜春 上饶 威海 日照 泰安 德州 平顶山 安阳 商丘 信阳 十堰 孝感 咸宁 惠州
		江门 肇庆 梅州 玉林 梧州 乐山 泸州 达州 六盘水 安顺 玉溪 汉中 榆林 酒泉 张掖 固原 石河子 克拉玛依`)
	synthFields = strings.Fields(`理工 师范 财经 医科 农业 林业 科技 工业 交通 电力 水利 石油 化工 外国语 艺术 体育
		中医药 民族 信息 航空 建筑 海洋 邮电 商贸 旅游 传媒 机电 工程 经济 政法 幼儿师范 卫生 食品 纺织 轻工
		铁道 电子 城市 文理 工商`)
	synthKinds = []struct {
		suffix string
		cat    store.Category
	}{
		{"大学", store.Undergraduate},
		{"学院", store.Undergraduate},
		{"高等专科学校", store.Junior},
		{"职业技术学院", store.Vocational},
		{"职业学院", store.Vocational},
	}
	synthColleges = strings.Fields(`兴华 潇湘 船山 北津 树达 东方 芙蓉 南湖 南岳 湘杏 城南 明德 博文 致远 求是 知行 
		广益 崇德 厚德 弘毅 励志 启航 海天 远华 成蹊 星海 春晖 华信 科华 天健`)
)

// SyntheticSeed returns DefaultSeed with deterministic synthetic universities
// appended until it holds n orgs (n at most DefaultSeed's 126 gives
// DefaultSeed itself). Synthetic ids start with "S"; a fifth of them have
// finished neither milestone, the rest both.
func SyntheticSeed(n int) (store.Seed, error) {
	s, err := store.DefaultSeed()
	if err != nil {
		return store.Seed{}, err
	}
	taken := map[string]bool{}
	for _, o := range s.Orgs {
		taken[o.Name] = true
	}
	milestones := s.Milestones
	names := synthNames()
	for i := 0; len(s.Orgs) < n; i++ {
		if i >= len(names) {
			return store.Seed{}, fmt.Errorf("storetest: SyntheticSeed(%d): only %d synthetic names", n, len(names))
		}
		nm := names[i]
		if taken[nm.name] {
			continue
		}
		taken[nm.name] = true
		members := 200 + (i*37)%3000
		o := store.Org{
			ID: fmt.Sprintf("S%09d", i), Name: nm.name, Level: store.LevelUniversity, Parent: store.IDCommittee,
			Order: 1000 + i, Category: nm.cat, City: nm.city + "市", Ownership: "公办", InScope: true,
			Branches: 10 + i%40, BranchesCovered: (10 + i%40) * (i % 7) / 6,
			Members: members, MembersActivated: members * ((i * 13) % 101) / 100,
			UpdatedBy: store.System,
		}
		if i%5 != 0 {
			o.Progress = map[string]store.Progress{}
			for _, m := range milestones {
				o.Progress[m.ID] = store.Progress{Done: true, By: store.System}
			}
		}
		s.Orgs = append(s.Orgs, o)
	}
	return s, nil
}

type synthName struct {
	name, city string
	cat        store.Category
}

// synthNames lists every synthetic name in a fixed order that mixes places,
// so a prefix of the list looks like a country, not one city.
func synthNames() []synthName {
	var out, unis []synthName
	for f := range synthFields {
		for k, kind := range synthKinds {
			for p, place := range synthPlaces {
				// Spread the fields over places so one place does not get all forty.
				field := synthFields[(f+p)%len(synthFields)]
				n := synthName{name: place + field + kind.suffix, city: place, cat: kind.cat}
				out = append(out, n)
				if k == 0 {
					unis = append(unis, n)
				}
			}
		}
	}
	for _, c := range synthColleges {
		for _, u := range unis {
			out = append(out, synthName{name: u.name + c + "学院", city: u.city, cat: store.Undergraduate})
		}
	}
	return out
}
