## 先培训后签署（issue 21）：承诺书可要求先通过某个培训模块

pledge-training-first = 📚 签署「{ $title }」须以完成培训为前提：请先学习并通过「{ $training }」，通过后即可回来签署。
pledge-training-not-assigned = 该培训目前没有分配给您，请联系带辅民警或政治处辅警办。
btn-pledge-to-training = 📚 去学习「{ $training }」
btn-pledge-sign-now = ✍️ 现在签署「{ $title }」
pledge-receipt-training = 培训依据：「{ $training }」第 { $version } 版，{ $score }%，通过于 { $time }
pledge-error-training-changed = 承诺书 { $key } 第 { $version } 版要求的培训与发布时不同；修改培训要求须提高版本号（version）。
pledge-cli-training = 签署前须通过的培训「{ $module }」：新分配 { $assigned } 人（已通过或已有该培训任务的人员不重复分配）
