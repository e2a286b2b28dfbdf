"""The API's description for people: interactive documentation at /api/schema/, in Chinese.

A browser that opens /api/schema/ gets Swagger UI (its files come from the installed
drf-spectacular-sidecar package and are served by the site itself: nothing is loaded from the
internet); /api/schema/redoc/ shows the same document as a read-only page. All of them are for signed-in staff
and systems with an API key (SPECTACULAR_SETTINGS["SERVE_PERMISSIONS"]): a browser that is not
signed in is sent to the sign-in page, a system without a key gets 401/403 problem details. A system that asks for
the document (no Accept header, JSON, YAML or the OpenAPI media types) gets the OpenAPI file, which
also lives at /api/schema/openapi/.

The document's words a reader sees (the API's title and introduction, each group of operations,
each operation's summary and description, each parameter) are written here in Chinese and put in by
`chinese_descriptions`, a drf-spectacular post-processing hook; the views' docstrings are code
comments for developers and never reach the document. An operation or a parameter missing from the
tables below is an error the tests report (tests/api/test_api_docs.py).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

TITLE = "社保经办 REST API"

DESCRIPTION = """\
北京市社会保险基金管理中心2020年1月31日通知\
的经办接口：登记各渠道的业务申请、按通知条款判定办理方式、推进办理环节、查询参保单位和参保人员。

**身份认证**：系统调用使用接口密钥，在请求头中写 `Authorization: Bearer shb_…`（密钥由管理员用 \
`shebao api_token` 命令生成，只显示一次）；已登录页面的调用使用当前会话。

**数据范围**：区级工作人员只能看到和办理本区的数据，其他区的记录按“不存在”（404）答复；市中心可看全市。

**个人信息**：证件号码、手机号码、银行账号默认脱敏显示；查看完整信息须说明原因（`reveal` 接口），每次查看都记录在案。

**错误**：拒绝的请求按 RFC 9457 返回问题详情（`application/problem+json`），`errors` 列出出错的字段、\
代码和中文说明（`zh`），并附英文（`en`）。

**重复提交**：登记申请时带上 `Idempotency-Key` 请求头，重试同一请求只会得到第一次登记的申请，不会重复登记。

**并发**：推进办理环节、补正申请内容、推进手工操作标记时，必须带上读取到的版本号（请求体的 `version`，或 \
`If-Match` 头写读取申请时的 `ETag`）：缺少时返回 428，不做任何修改；他人已处理、版本已变时返回 409，并说明当前版本。

金额单位为分（整数），月份格式为 `YYYY-MM`，日期格式为 `YYYY-MM-DD`。
"""

# The groups of operations, in the order the documentation shows them.
TAGS: list[dict[str, str]] = [
    {"name": "业务申请", "description": "登记、查询业务申请，按通知条款判定办理方式（第0.4条：每件申请记录渠道）。"},
    {"name": "办理环节", "description": "受理、审批、办结、驳回；承诺书（第1.2条）、电话核实（第1.2c条）、材料（第1.3条、第1.4条、第2.2条）。"},
    {"name": "手工操作复核", "description": "疫情期间系统外或手工操作的标记及其复核、清理、内审（第7.4条）。"},
    {"name": "疫情解除", "description": "公布疫情解除日期及其对容缺材料期限、暂缓办理申请的影响（第1.3条、第4.2条）。"},
    {"name": "参保登记", "description": "参保单位和参保人员的查询；脱敏信息的查看须说明原因并留痕。"},
    {"name": "待遇发放", "description": "退休人员的养老金待遇及逐月发放（含补发），全市养老金发放批次及银行结果（第2.1条）。"},
    {"name": "减免缓缴", "description": "社会保险费减免缓缴政策包（人社部发〔2020〕11号等）：发布试算、经办与复核分离的发布、"
                                     "缓缴申请及审批、单位类型与规模划型（工信部联企业〔2011〕300号）。"},
]

# (method, path) -> (tag, summary, description)
OPERATIONS: dict[tuple[str, str], tuple[str, str, str]] = {
    ("get", "/api/v1/cases/"): (
        "业务申请", "查询业务申请",
        "本人可见范围内的申请，可按状态、办理方式、业务和是否有第7.4条标记筛选，按游标分页。"),
    ("post", "/api/v1/cases/"): (
        "业务申请", "登记业务申请",
        "登记一件申请：写明业务、渠道（网上、掌上社保、微信、电子邮件、传真、邮寄、窗口）和申请人，"
        "系统按通知条款判定办理方式并给出依据。带 `Idempotency-Key` 重试不会重复登记。"),
    ("get", "/api/v1/cases/{id}/"): (
        "业务申请", "查看一件申请",
        "申请的全部信息：办理决定及依据条款、状态、应补材料、电话核实、办理记录；content_problems"
        " 列出申请内容按业务定义不完整或有误之处（审批通过、办结前须补正）。"),
    ("get", "/api/v1/cases/workflows/"): (
        "业务申请", "办理流程表",
        "每种办理方式的环节：从哪个状态到哪个状态、哪些角色可以操作、须满足的前提条件、是否通知申请人。"),
    ("post", "/api/v1/cases/{id}/transitions/"): (
        "办理环节", "推进办理环节",
        "受理、审批、办结、驳回等。须带读取到的版本号；前提条件不满足（如退费未经电话确认、"
        "参保人本人否认、容缺材料未补齐）时拒绝，并说明原因。"),
    ("patch", "/api/v1/cases/{id}/details/"): (
        "办理环节", "补正申请内容",
        "填写登记时缺少的申请内容或更正有误的内容（如在要求填写内容之前登记、只能驳回的申请）：只改给出的字段，"
        "某字段给 null 即删除。按该业务的定义和登记核验校验，所有有误字段一次列出（每个字段一条，field 为"
        " details.<字段>），不能更改办理决定所依据的事实；须填写补正理由，补正前后的内容记入审计记录。"
        "退费补正后须重新电话核实。已办理或已驳回的申请不能补正。"),
    ("post", "/api/v1/cases/{id}/commitment-letter/"): (
        "办理环节", "录入承诺书",
        "承诺制办理（第1.2条、第4.2条）的书面承诺；受理后不能再录入或更改，内容以 SHA-256 固定。"),
    ("post", "/api/v1/cases/{id}/phone-checks/"): (
        "办理环节", "记录电话核实",
        "退费（第1.2c条）须与参保人本人电话核实：默认拨打参保人登记的手机号码；"
        "结果为“本人否认”的退费不能受理或审批，只能驳回。"),
    ("post", "/api/v1/cases/{id}/documents/"): (
        "办理环节", "上传材料",
        "上传 PDF、JPEG 或 PNG 材料（按文件内容检查类型），可注明来自传真或电子邮件（第1.4条、第2.2条）。"),
    ("get", "/api/v1/cases/{id}/documents/{doc}/content/"): (
        "办理环节", "下载材料", "申请中的一份材料的原文件；只有能看到该申请的工作人员可以下载。"),
    ("post", "/api/v1/cases/{id}/owed-documents/{owed}/exchange/"): (
        "办理环节", "登记数据共享材料", "应补材料通过部门间数据共享取得时，登记来源和凭证号。"),
    ("post", "/api/v1/cases/{id}/owed-documents/{owed}/review/"): (
        "办理环节", "审核应补材料", "审核收到的应补材料：通过或退回（退回须说明理由）。"),
    ("get", "/api/v1/cases/owed-documents/overdue/"): (
        "办理环节", "逾期未补材料", "补交期限已过仍未收到的容缺材料（第1.3条）。"),
    ("post", "/api/v1/cases/{id}/flags/"): (
        "手工操作复核", "标记手工操作", "为申请登记一项系统外或手工操作，疫情后复核（第7.4条）。"),
    ("get", "/api/v1/cases/flags/"): (
        "手工操作复核", "复核队列", "按环节（待复核、已复核、已清理、已内审）查看第7.4条标记。"),
    ("post", "/api/v1/cases/flags/{id}/steps/"): (
        "手工操作复核", "推进复核环节", "复核、清理或内审一项标记，并记录结果。"),
    ("get", "/api/v1/cases/epidemic-lift/preview/"): (
        "疫情解除", "预览疫情解除的影响",
        "按拟公布的解除日期，列出各区受影响的申请：容缺材料的补交期限、可恢复办理的暂缓申请。不做任何修改。"),
    ("post", "/api/v1/cases/epidemic-lift/"): (
        "疫情解除", "公布疫情解除日期", "公布解除日期并执行其影响（仅市中心）。"),
    ("get", "/api/v1/persons/"): (
        "参保登记", "列出或按姓名查询参保人员",
        "列出本人可见的参保人员，或按姓名、拼音首字母查询（参数q）。q中含数字时答400：证件号码不得出现在网址中，"
        "请用 POST /api/v1/persons/search/。"),
    ("post", "/api/v1/persons/search/"): (
        "参保登记", "按证件号码查询参保人员",
        "按证件号码（开头几位、后四位或完整号码）、姓名或拼音首字母查询本人可见的参保人员。号码放在请求体中，"
        "不出现在网址和访问日志里。最多返回50人（more为真时请输入更完整的号码），证件号码已脱敏。"
        "完整号码查到重复登记并已合并的记录时，同时返回保留的记录；已合并的记录merged_into为保留的记录编号。"),
    ("get", "/api/v1/persons/{id}/"): (
        "参保登记", "查看参保人员", "参保人员的登记信息，证件号码和手机号码脱敏。重复登记并已合并的记录："
        "merged_into为保留的记录编号、merged_at为合并时间、merged_note为中文说明（未合并为null或空），"
        "业务请在保留的记录上办理。"),
    ("post", "/api/v1/persons/{id}/reveal/"): (
        "参保登记", "查看参保人员的完整信息", "须说明查看原因；每次查看都记录在个人信息查看记录中。"),
    ("get", "/api/v1/persons/registered-twice/"): (
        "参保登记", "列出重复登记的参保人员",
        "以其他证件类型登记、号码却是居民身份证号码的记录及同一持证人的居民身份证记录（两条记录都在本人可见的区内；"
        "跨区的由市中心合并）。证件号码已脱敏；basis为配对依据，keeps为可以保留的人员编号，refused为不能合并的原因。"
        "最多返回100组（more为真时先合并已列出的各组）。仅复核人员和市中心管理员可用，其他人答403。"),
    ("post", "/api/v1/persons/{id}/merge/"): (
        "参保登记", "合并重复登记的参保人员",
        "将请求体中other指定的人员合并至网址中的人员（保留的记录）：缴费、参保经历、申请、待遇等记录迁移至保留的记录，"
        "被合并的记录保留并标注已合并，两条记录各写一条审计记录。与“重复登记”页面使用同一办理规则：须有4至200字的合并理由；"
        "有居民身份证记录的应保留该记录；两个不同的居民身份证号码不能合并；合并会造成同月重复缴费、两份养老金等冲突时答409，"
        "列出各项冲突，不做任何修改。须为两条记录所在区的复核人员或市中心管理员。"),
    ("post", "/api/v1/persons/{id}/unmerge/"): (
        "参保登记", "撤销合并",
        "撤销网址中的人员被合并（如保留记录选错）：合并时迁移的记录逐条退回，该人员不再标注已合并，两条记录各写一条审计记录；"
        "合并后在保留记录上新办理的记录仍属保留的记录。须有4至200字的撤销理由。合并办理于系统逐条记录迁移明细之前的，"
        "无法区分哪些记录原属被合并的记录，答409并说明原因，不做任何修改。须为两条记录所在区的复核人员或市中心管理员。"),
    ("get", "/api/v1/employers/"): (
        "参保登记", "查询参保单位", "按单位名称、名称拼音首字母或统一社会信用代码查询本人可见的参保单位。"),
    ("get", "/api/v1/employers/{id}/"): ("参保登记", "查看参保单位", "参保单位的登记信息，银行账号脱敏。"),
    ("post", "/api/v1/employers/{id}/reveal/"): (
        "参保登记", "查看参保单位的完整信息", "须说明查看原因；每次查看都记录在个人信息查看记录中。"),
}

OPERATIONS.update({
    ("get", "/api/v1/benefits/retirees/"): (
        "待遇发放", "查询退休人员",
        "本人可见范围内（本区；市中心为全市）的退休人员及其养老金核定和本月应发月养老金（含已印发的历年调整），"
        "发放账号脱敏；可按发放状态筛选，按游标分页。"),
    ("get", "/api/v1/benefits/retirees/{id}/"): (
        "待遇发放", "查看退休人员的待遇",
        "退休日期、退休年龄、养老金核定（基础、个人账户、过渡性养老金或外部核定金额）、本月应发月养老金（退休时"
        "月养老金加上已印发的历年调整）及发放状态；每次查看记入个人信息查看记录。"),
    ("get", "/api/v1/benefits/retirees/{id}/payments/"): (
        "待遇发放", "逐月发放记录",
        "该退休人员每个待遇所属月的金额、当月或补发、所在发放批次及银行支付结果（第2.1条补发明细）。"),
    ("get", "/api/v1/benefits/work-injury-awards/"): (
        "待遇发放", "查询工伤保险待遇核定",
        "本人可见范围内（本区；市中心为全市）的工伤保险待遇核定：伤残等级或因工死亡、即时支付金额、伤残津贴，按游标分页。"),
    ("get", "/api/v1/benefits/work-injury-awards/{id}/"): (
        "待遇发放", "查看按月工伤保险待遇",
        "伤残津贴及逐月发放（退休后停发，基本养老金低于伤残津贴的补足差额，《工伤保险条例》第三十五条），"
        "供养亲属抚恤金及逐月发放（第三十九条）；证件号码和账号脱敏；每次查看记入个人信息查看记录。"),
    ("post", "/api/v1/benefits/work-injury-claims/{id}/pay/"): (
        "待遇发放", "核定并即时支付工伤保险待遇",
        "医护人员工伤保险待遇快速申领（第9条快速通道）：按数据交换收到的工伤认定决定和劳动能力鉴定结论核定待遇，"
        "在月度发放之外即时支付，与后台“即时支付”页面同一办理。须为申请所在区的审核人员。金额以分为单位。"
        "有伤残等级的须填写本人工资；因工死亡的丧葬补助金和一次性工亡补助金支付给近亲属，须填写领取人姓名、"
        "与死者关系和公民身份号码（不能是死者本人的号码）。输入有误时按字段说明原因，不作任何支付；"
        "该申请已核定支付的，同样的请求返回原核定（200），不重复支付；领取人、账号或医疗费用与已支付的不同的，答409，"
        "说明已支付给谁（姓名、账号脱敏），不作任何更改。"),
    ("post", "/api/v1/benefits/work-injury-awards/{id}/payee/"): (
        "待遇发放", "登记因工死亡待遇的领取人",
        "领取人登记之前核定的因工死亡待遇（显示为“未登记领取人”）：登记领取人姓名、与死者关系和公民身份号码，"
        "核对与即时支付时相同（不能是死者本人的号码，同一号码同一姓名，年龄与关系相符）。只在该笔支付失败、"
        "尚未重发时可以登记，此后重发支付给领取人。须为死者所在区的审核人员。"),
    ("post", "/api/v1/benefits/payroll-transfers/{id}/resend/"): (
        "待遇发放", "更正账号后重新发放一笔支付失败的明细",
        "银行退回的支付（如户名不符、账户已冻结）：填写更正后的收款账号和更正依据，因工死亡待遇的领取人、"
        "供养亲属还可更正户名（在册参保人员的姓名须办理个人信息变更）。生成只含该笔的重发批次，支付文件载明"
        "更正后的账号和户名，须经第二人复核放行后下载发送银行；退休人员、伤残津贴、供养亲属的发放账号一并更正。"
        "仅市中心待遇发放经办人员。"),
    ("get", "/api/v1/benefits/payroll-runs/"): (
        "待遇发放", "查询发放批次", "全市养老金发放批次：月度发放、补发、失败重发、即时支付（仅市中心工作人员）。"),
    ("get", "/api/v1/relief/packs/"): (
        "减免缓缴", "查询减免缓缴政策包", "全部政策包及其条目（险种、费款所属期、单位缴费比例、依据文件及条款、文件成文日期和起适用日期）和发布执行情况；"
        "依据文件在当前业务日期尚未印发的条目照列，标明未印发。"),
    ("get", "/api/v1/relief/what-if/"): (
        "减免缓缴", "发布试算", "如现在发布该政策包，已生成的应缴费用中将减免多少、涉及多少单位，按区列出；区级人员只看本区。不保存。"),
    ("post", "/api/v1/relief/publication-requests/"): (
        "减免缓缴", "申请发布政策包",
        "市中心管理员或征缴经办人员申请发布，记录当时的试算结果；须由申请人以外的一名市中心管理员复核同意后发布执行（经办与复核分离）。"),
    ("post", "/api/v1/relief/publication-requests/{id}/decision/"): (
        "减免缓缴", "复核发布申请", "申请人以外的市中心工作人员同意（即发布执行并即时减免）或不同意（须填写意见）。"),
    ("get", "/api/v1/relief/newly-known/"): (
        "减免缓缴", "补减免试算",
        "已发布政策包中，依据文件在费款核定或政策包发布之后才印发的减免条目（如人社部发〔2020〕49号的延长执行）"
        "现在执行将补减免多少：合计、按依据文件、按区列出应缴笔数、单位数、减少欠缴和退至预缴余额（分）。"
        "按当前业务日期已印发的文件计算，全市范围；仅市中心工作人员。不保存。"),
    ("post", "/api/v1/relief/newly-known/"): (
        "减免缓缴", "执行补减免",
        "按当前业务日期已印发的文件执行补减免（与政策包页面的“执行补减免”按钮、relief_packs --apply-known 相同）："
        "未缴的减少欠缴，已缴的退至单位预缴余额并冲抵其欠费；每份依据文件记一笔减免凭证和一条补减免记录。"
        "已减免的应缴费用不再处理，重复执行不产生任何变动（返回空列表）。请求体须为{\"confirm\": true}。仅市中心管理员。"),
    ("get", "/api/v1/relief/deferrals/"): (
        "减免缓缴", "查询缓缴申请", "本区（市中心为全市）的缓缴申请，可按状态筛选。"),
    ("post", "/api/v1/relief/deferrals/"): (
        "减免缓缴", "登记缓缴申请", "按已发布政策包的缓缴条目登记，当即核对适用范围和缓缴期限；不符合的不登记。"),
    ("get", "/api/v1/relief/deferrals/{id}/"): (
        "减免缓缴", "查看缓缴申请", "缓缴申请及其依据、审批结果。"),
    ("post", "/api/v1/relief/deferrals/{id}/decision/"): (
        "减免缓缴", "审批缓缴申请",
        "登记人以外的复核人员批准（单位缴费部分缓缴至申请的日期，期间免收滞纳金）或不予批准（须填写意见）。"),
    ("get", "/api/v1/relief/employers/{id}/facts/"): (
        "减免缓缴", "查看单位类型与规模", "单位的类型、规模划型和行业登记记录（按起始日期）。"),
    ("post", "/api/v1/relief/employers/{id}/facts/"): (
        "减免缓缴", "登记单位类型与规模", "市中心登记单位自某日起的类型、规模（工信部联企业〔2011〕300号）和行业（GB/T 4754-2017）。"),
    ("get", "/api/v1/relief/size-class/"): (
        "减免缓缴", "企业规模测算", "按工信部联企业〔2011〕300号第四条，以行业和从业人员、营业收入、资产总额测算企业规模。不保存。"
        "数值较大时请用POST（网址中的长数字会被当作证件号码或手机号码拒绝）。"),
    ("post", "/api/v1/relief/size-class/"): (
        "减免缓缴", "企业规模测算（请求体）", "与GET相同，行业和指标放在请求体中，不出现在网址里。不保存。"),
    ("get", "/api/v1/benefits/payroll-runs/{id}/"): (
        "待遇发放", "查看发放批次", "批次的笔数、金额及银行结果汇总：待结果、成功、失败、失败未重发。"),
})

# Parameter name -> its description.
PARAMETERS: dict[str, str] = {
    "id": "编号",
    "doc": "材料编号",
    "owed": "应补材料编号",
    "cursor": "分页游标（取自上一页的 next 链接）",
    "page_size": "每页条数，1至200的整数，不填为50；不接受 page、offset 等页码参数，翻页请用 next 链接",
    "status": "按状态筛选",
    "mode": "按办理方式筛选",
    "business": "按业务代码筛选",
    "flagged": "只看有（true）或没有（false）第7.4条标记的申请",
    "stage": "复核环节",
    "on": "以哪一天计算逾期（默认今天）",
    "lifted_on": "拟公布的疫情解除日期（YYYY-MM-DD）",
    "pack": "减免缓缴政策包名称（如relief-2020-covid）",
    "industry": "国民经济行业代码（GB/T 4754-2017，如H62）",
    "employees": "从业人员（人）",
    "revenue": "营业收入（万元）",
    "assets": "资产总额（万元）",
    "q": "查询内容",
    "Idempotency-Key": "幂等键（1至100个字符）：重试同一请求时带上相同的键，只登记一次",
    "If-Match": "读取到的版本号（读取时的ETag，如\"3\"；也可在请求体中写 version）；缺少版本号时返回428",
}

# (component, property) -> its description, where the serializer's help text is a developer's note.
FIELDS: dict[tuple[str, str], str] = {
    ("Facts", "person"): "尚未登记的人员的情况（如第1.4条的港澳台人员、外籍人员、兼职人员）",
    ("Submit", "manual_operation"): "系统外或手工操作的说明（第7.4条）：登记后进入复核队列",
    ("Transition", "version"): "读取到的申请版本号（必填，也可用If-Match头）：缺少时返回428，他人已处理时返回409",
}


# A parameter whose meaning differs on one operation: (method, path, name) → its description.
PARAMETER_OVERRIDES: dict[tuple[str, str, str], str] = {
    ("get", "/api/v1/persons/", "q"): "按姓名或姓名拼音首字母查询。不接受数字（证件号码不得出现在网址中，含数字时答400）："
                                      "按证件号码查询请用 POST /api/v1/persons/search/",
}


def chinese_descriptions(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular post-processing hook: the title, groups, summaries and descriptions in Chinese.

    Raises KeyError naming an operation or parameter that has no Chinese text yet, so a new endpoint
    cannot reach the documentation with its code comment as its description.
    """
    result.setdefault("info", {})
    result["info"]["title"] = TITLE
    result["info"]["description"] = DESCRIPTION
    result["tags"] = TAGS
    for name, component in result.get("components", {}).get("schemas", {}).items():
        for prop, spec in component.get("properties", {}).items():
            if (name, prop) in FIELDS:
                spec["description"] = FIELDS[(name, prop)]
    schemes = result.get("components", {}).get("securitySchemes", {})
    if "cookieAuth" in schemes:
        schemes["cookieAuth"]["description"] = "已登录页面的会话（Cookie）：在本站登录后即可在此页试用接口。"
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            try:
                tag, summary, description = OPERATIONS[(method, path)]
            except KeyError:
                raise KeyError(f"no Chinese description for {method.upper()} {path} in shebao.api.docs") from None
            operation["tags"] = [tag]
            operation["summary"] = summary
            operation["description"] = description
            for parameter in operation.get("parameters", []):
                try:
                    parameter["description"] = (PARAMETER_OVERRIDES.get((method, path, parameter["name"]))
                                                or PARAMETERS[parameter["name"]])
                except KeyError:
                    raise KeyError(f"no Chinese description for parameter {parameter['name']!r} of "
                                   f"{method.upper()} {path} in shebao.api.docs") from None
                if parameter["name"] == "page_size":  # the bounds api.pagination.check_paging holds to
                    from shebao.api.pagination import MAX_PAGE_SIZE

                    parameter.setdefault("schema", {}).update({"type": "integer", "minimum": 1,
                                                               "maximum": MAX_PAGE_SIZE})
    return result


# Problem details (RFC 9457) as every refusal and error of the API answers them (api.errors).
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "问题详情（RFC 9457）：拒绝或出错的原因",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "description": "问题类别的标识"},
        "title": {"type": "string", "description": "中文标题"},
        "title_en": {"type": "string", "description": "英文标题"},
        "status": {"type": "integer", "description": "HTTP 状态码"},
        "detail": {"type": "string", "description": "中文说明"},
        "errors": {"type": "array", "description": "出错的字段", "items": {
            "type": "object", "required": ["field", "code", "reason_zh", "reason_en"],
            "properties": {"field": {"type": "string"}, "code": {"type": "string"},
                           "reason_zh": {"type": "string"}, "reason_en": {"type": "string"}}}},
    },
}
# status -> (when it is answered, for which operations: "all", "write" or "keyed")
PROBLEMS: dict[str, tuple[str, str]] = {
    "400": ("请求数据有误：字段缺失、格式或取值不对、文字含控制字符、超出长度或范围（errors 列出各字段）", "all"),
    "401": ("未登录，或接口密钥无效、已吊销", "all"),
    "403": ("无权进行此操作（权限表），或另一区的单位、人员", "all"),
    "404": ("不存在，或不在本人可见范围内", "all"),
    "406": ("请求的 Accept 不是本接口能给出的格式（JSON 或问题详情）", "all"),
    "409": ("与当前状态冲突：版本已变（他人已处理）或当前状态不能进行此操作", "write"),
    "413": ("请求内容超过允许的大小", "write"),
    "415": ("请求的 Content-Type 不被接受", "write"),
    "422": ("幂等键已用于另一份不同的申请，或无法处理", "write"),
    "428": ("缺少读取到的版本号（version 或 If-Match）：修改未执行", "versioned"),
    "500": ("系统出错（已记录，请稍后重试）", "all"),
    "503": ("数据库暂时不可用或繁忙：按 Retry-After 秒数后重试", "all"),
}


# The changes of a versioned record that must carry the version read (api.cases._version): 428 without it.
VERSIONED = {("post", "/api/v1/cases/{id}/transitions/"), ("patch", "/api/v1/cases/{id}/details/"),
             ("post", "/api/v1/cases/flags/{id}/steps/")}


def problem_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular post-processing hook: every operation documents its error answers as problem
    details (application/problem+json, `PROBLEM_SCHEMA`), and 503 its Retry-After header; what the
    fuzz run in `make test` (tests/api/test_fuzz.py) holds the API to."""
    components = result.setdefault("components", {})
    components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    ref = {"$ref": "#/components/schemas/Problem"}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for status, (description, applies) in PROBLEMS.items():
                if applies == "write" and method == "get" or status in responses:
                    continue
                if applies == "versioned" and (method, path) not in VERSIONED:
                    continue
                answer: dict[str, Any] = {"description": description,
                                          "content": {"application/problem+json": {"schema": ref}}}
                if status == "503":
                    answer["headers"] = {"Retry-After": {"description": "建议等待的秒数",
                                                         "schema": {"type": "integer"}}}
                responses[status] = answer
    return result


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Tells the document (and Swagger UI's 认证 dialog) how systems sign their calls."""

    target_class = "shebao.api.auth.BearerTokenAuthentication"
    name = "apiKey"  # a component key must be ASCII (OpenAPI 3); what a reader sees is the description

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer",
                "description": "接口密钥：请求头 `Authorization: Bearer shb_…`，由 `shebao api_token` 生成。"}


def wants_html(request: HttpRequest) -> bool:
    """A browser (it asks for text/html first), not a system asking for the document."""
    if request.GET.get("format"):
        return False
    accept = request.headers.get("Accept", "")
    return "text/html" in accept.split(",")[0] or accept.startswith("text/html")


# The documentation pages may load nothing from outside the site: Redoc's bundle, for one, asks
# for its maker's logo from the internet, which this policy stops in the browser.
OFFLINE_POLICY = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                  "script-src 'self' 'unsafe-inline'; worker-src 'self' blob:; connect-src 'self'; "
                  "font-src 'self' data:; frame-ancestors 'none'")


def offline(view: Any) -> Any:
    """The view's page with OFFLINE_POLICY as its Content-Security-Policy; for signed-in staff only
    (a browser that is not signed in is sent to the sign-in page and back)."""

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        response = view(request, *args, **kwargs)
        response["Content-Security-Policy"] = OFFLINE_POLICY
        return response

    return wrapped


_swagger_ui = offline(SpectacularSwaggerView.as_view(url_name="api-schema-file", title=TITLE,
                                                     template_name="api/swagger_ui.html"))
redoc = offline(SpectacularRedocView.as_view(url_name="api-schema-file", title=TITLE,
                                             template_name="api/redoc.html"))
_document = SpectacularAPIView.as_view()


def api_docs(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """/api/schema/: Swagger UI for a browser, the OpenAPI document for a system."""
    view = _swagger_ui if wants_html(request) else _document
    return view(request, *args, **kwargs)
