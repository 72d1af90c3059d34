# ruff: noqa: E501  (published examples are kept verbatim, one per line)
"""The DQDL examples AWS publishes, verbatim, as test data.

Copied from the code samples of the AWS Glue developer guide (code samples in AWS
documentation are MIT-0 licensed): the DQDL reference (``dqdl.html``) and every page of the
DQDL rule type reference (``dqdl-rule-types-<Type>.html``). Source text: the guide's current
pages as of this commit. One :class:`Example` is one rule (one line of a code block) or one
whole ruleset (a block that starts with ``Rules``, ``Analyzers`` or a constant); comment-only
lines of a block are left out.

``problems`` names what :func:`lakehouse.quality.dqdl.validate.validate` reports for the
example when AWS's own page and Glue's parser disagree (the page shows a form Glue's parser
rejects): the example still parses, the validator says why Glue would refuse it.
``syntax_error`` marks the few published examples that are not DQDL at all (typos on the
page); the test checks the error names their line and column.
"""

from __future__ import annotations

from dataclasses import dataclass

DOCS = "https://docs.aws.amazon.com/glue/latest/dg/"


@dataclass(frozen=True)
class Example:
    page: str
    text: str
    problems: tuple[str, ...] = ()
    syntax_error: tuple[int, int] | None = None  # (line, column) of the error in the wrapped text
    note: str = ""

    @property
    def is_ruleset(self) -> bool:
        head = self.text.lstrip()
        return head.startswith(("Rules", "Analyzers", "DefaultLabels")) or "\nRules" in self.text

    @property
    def document(self) -> str:
        """The example as a ruleset: a single rule is wrapped as ``Rules = [ <rule> ]``."""
        return self.text if self.is_ruleset else f"Rules = [\n{self.text}\n]"


# the pages of the rule types the local engine refuses (compile.UNSUPPORTED): "unsupported";
# none since the file rules evaluate (quality/dqdl/file_rules.py)
_REFUSED: set[str] = set()


def _rules(page: str, *lines: str, problems: tuple[str, ...] = ()) -> list[Example]:
    if page in _REFUSED:
        problems = (*problems, "unsupported")
    return [Example(page, line, problems) for line in lines]


REF = "dqdl.html"

EXAMPLES: list[Example] = [
    # ------------------------------------------------------------------ the DQDL reference
    Example(REF, 'Rules = [\n   IsComplete "order-id",\n   IsUnique "order-id"\n]'),
    *_rules(REF, '(IsComplete "id") and (IsUnique "id")'),
    Example(REF, '(RowCount "id" > 100) or (IsPrimaryKey "id")', ("invalid",),
            note="RowCount takes no parameter; Glue's parser rejects `RowCount \"id\"`"),
    *_rules(REF,
            '(Mean "Star_Rating" > 3) and (Mean "Order_Total" > 500) and (IsComplete "Order_Id")',
            '(Mean "Star_Rating" > 3) and ((Mean "Order_Total" > 500) or (IsComplete "Order_Id"))',
            '(RowCount > 0) or ((IsComplete "colA") and (IsUnique "colA"))',
            '(ColumnValues "myCol1" > 1) OR (ColumnValues "myCol2" > 2)'),
    Example(REF, 'Rules = [\n        (ColumnValues "age" >= 26) OR (ColumnLength "name" >= 4)        \n    ]'),
    *_rules(REF, 'Mean "colA" between 80 and 100'),
    # the table of expressions
    Example(REF, 'Completeness "colA" = "1.0"', ("invalid",),
            note="a quoted number: Glue's parser wants a numeric condition for Completeness"),
    *_rules(REF,
            'ColumnValues "colA" = "2022-06-30"',
            'ColumnValues "colA" != "a"',
            'ColumnValues "colA" != "2022-06-30"',
            'ColumnValues "colA" > 10',
            'ColumnValues "colA" < 1000',
            'ColumnValues "colA" < "2022-06-30"',
            'ColumnValues "colA" >= 10',
            'ColumnValues "colA" <= 1000',
            'Mean "colA" between 8 and 100',
            'ColumnValues "colA" between "2022-05-31" and "2022-06-30"',
            'ColumnValues "colA" not between "2022-05-31" and "2022-06-30"',
            'ColumnValues "colA" in [ 1, 2, 3 ]',
            'ColumnValues "colA" in [ "a", "b", "c" ]',
            'ColumnValues "colA" not in [ 1, 2, 3 ]',
            'ColumnValues "colA" not in [ "a", "b", "c" ]',
            'ColumnValues "colA" matches "[a-zA-Z]*"',
            'ColumnValues "colA" not matches "[a-zA-Z]*"',
            'ColumnValues "load_date" > (now() - 3 days)',
            'ColumnValues "colA" in ["A", "B"] with threshold > 0.8',
            'ColumnValues "colA" matches "[a-zA-Z]*" with threshold between 0.2 and 0.9',
            'ColumnDataType "colA" = "Timestamp" with threshold > 0.9'),
    # NULL, EMPTY, WHITESPACES_ONLY
    *_rules(REF,
            'ColumnValues "colA" != NULL with threshold > 0.5',
            '(ColumnValues "colA" = NULL) or (ColumnLength "colA" > 5)',
            '(ColumnValues "colA" = EMPTY) or (ColumnValues "colA" in ["a", "b"])',
            'ColumnValues "colA" not in ["a", "b", WHITESPACES_ONLY]',
            'ColumnValues "colA" in [NULL, "2023-01-01"]',
            '(ColumnValues "colA" = NULL) or (ColumnValues "colA" between 1 and 9)'),
    # where clauses
    *_rules(REF,
            'Completeness "colA" > 0.5 where "colB = 10"',
            'ColumnValues "colB" in ["A", "B"] where "colC is not null" with threshold > 0.9',
            'ColumnLength "colC" > 10 where "colD != Concat(colE, colF)"'),
    Example(REF, 'Rules = [\n       IsComplete "att2" where "att1 = \'a\'"        \n    ]'),
    *_rules(REF, 'IsComplete att2 where "att1 = \'a\'"'),
    # constants
    Example(REF, 'mySql = "select count(*) from primary"\n\nRules = [\n    CustomSql $mySql between 0 and 100\n]'),
    # labels: the page's own example has three typos (// comments, a missing comma, an
    # unterminated "bar]) and does not parse; the error is at the first // comment.
    Example(REF, 'DefaultLabels=["frequency"="monthly"]\n\nRules = [\n'
                 '    // Auto includes the default label ["frequency"="monthly"]\n'
                 '    ColumnValues "col" > 21,\n'
                 '    // Add ["foo"="bar"] to default label. Labels for this rule would be'
                 ' ["frequency"="monthly", "foo"="bar"]\n'
                 '    RowCount > 0 with threshold > 0.8 labels=["foo"="bar"],\n'
                 '    // Override default label. Labels for this rule would be ["frequency"="daily",'
                 ' "foo"="bar"]\n'
                 '    ColumnValues "colA" in ["A", "B"]  with threshold > 0.8 labels=["foo"="bar",'
                 ' "frequency"="daily"]\n'
                 '    // Labels must be applied to the entire composite rule (parentheses required)\n'
                 '    (isComplete "col" AND RowCount > 0) labels=["foo"="bar]\n]',
            syntax_error=(4, 5), note="`//` is not a DQDL comment (`#` is)"),
    # the same rules with the typos fixed, so the label forms themselves are tested
    Example(REF, 'DefaultLabels=["frequency"="monthly"]\n\nRules = [\n'
                 '    ColumnValues "col" > 21,\n'
                 '    RowCount > 0 with threshold > 0.8 labels=["foo"="bar"],\n'
                 '    ColumnValues "colA" in ["A", "B"]  with threshold > 0.8 labels=["foo"="bar",'
                 ' "frequency"="daily"],\n'
                 '    (isComplete "col" AND RowCount > 0) labels=["foo"="bar"]\n]',
            ("invalid", "unknown_rule_type"),
            note="typos fixed; still: RowCount takes no threshold, rule types are case-sensitive"),
    # dynamic rules
    *_rules(REF, 'RowCount > last()', 'RowCount > avg(last(5))'),
    Example(REF, 'RowCount > last(5)', ("invalid",),
            note="the page: 'will produce an error because ... can't be compared to a list'"),
    *_rules(REF,
            'ColumnCorrelation "colA" "colB" < avg(last(10))',
            'DistinctValuesCount "colA" between min(last(10))-1 and max(last(10))+1'),
    # analyzers and comments
    Example(REF, 'Rules = [\n   RowCount > avg(last(3))\n]\nAnalyzers = [\n   DistinctValuesCount "Name",\n'
                 '   ColumnLength "Name"\n]'),
    Example(REF, 'Analyzers = [\n    Distribution "Salary" with bins = 20, rebin = false\n]', ("approximate",)),
    Example(REF, 'Rules = [\n    # More items should generally mean a higher price, so correlation should be'
                 ' positive\n    ColumnCorrelation "price" "num_items" > 0\n]'),

    # ------------------------------------------------------------------ rule type pages
    *_rules("dqdl-rule-types-AggregateMatch.html",
            'AggregateMatch "sum(amount)" "sum(total_amount)" = 1.0',
            'AggregateMatch "avg(ratings)" "avg(reference.ratings)" >= 0.9',
            'AggregateMatch "avg(ratings)" "avg(database_name.tablename.ratings)" >= 0.9'),
    *_rules("dqdl-rule-types-ColumnCorrelation.html",
            'ColumnCorrelation "height" "weight" > 0.8',
            'ColumnCorrelation "weightinkgs" "Salary" > 0.8 where "weightinkgs > 40"',
            'ColumnCorrelation "colA" "colB" between min(last(10)) and max(last(10))',
            'ColumnCorrelation "colA" "colB" < avg(last(5)) + std(last(5))'),
    *_rules("dqdl-rule-types-ColumnCount.html",
            'ColumnCount between 10 and 20',
            'ColumnCount >= avg(last(10))',
            'ColumnCount between min(last(10))-1 and max(last(10))+1'),
    *_rules("dqdl-rule-types-ColumnDataType.html",
            'ColumnDataType "colA" = "INTEGER"',
            'ColumnDataType "colA" = "INTEGER" with threshold > 0.9'),
    *_rules("dqdl-rule-types-ColumnExists.html", 'ColumnExists "Middle_Name"'),
    *_rules("dqdl-rule-types-ColumnLength.html",
            'ColumnLength "Postal_Code" = 5',
            'ColumnLength "weightinkgs" = 2 where "weightinkgs > 10"',
            'ColumnLength "Postal_Code" > 4 # this will fail',
            'ColumnLength "Postal_Code" < 6 # this will succeed',
            '(ColumnLength "Postal_Code" > 4) AND (ColumnValues "Postal_Code" != NULL)'),
    *_rules("dqdl-rule-types-ColumnNamesMatchPattern.html", 'ColumnNamesMatchPattern "aws_.*"'),
    Example("dqdl-rule-types-ColumnNamesMatchPattern.html",
            'ColumnNamesMatchPattern "aws_.*" where "weightinkgs > 10"', ("invalid",),
            note="Glue's parser: ColumnNamesMatchPattern takes no where clause"),
    *_rules("dqdl-rule-types-ColumnValues.html",
            'ColumnValues "Country" in [ "US", "CA", "UK", NULL, EMPTY, WHITESPACES_ONLY ]',
            'ColumnValues "gender" in ["F", "M"] where "weightinkgs < 10"',
            'ColumnValues "First_Name" matches "[a-zA-Z]*"',
            'ColumnValues "Load_Date" > (now() - 3 days)',
            'ColumnValues "Customer_ID" between 1 and 2000',
            '(ColumnValues "Age" > 21) OR (ColumnValues "Age" = NULL)',
            'ColumnValues "Age" != 21',
            'ColumnValues "Age" not in [21, 22, 23]',
            '(ColumnValues "Age" != 21) AND (ColumnValues "Age" != NULL)',
            'ColumnValues "Age" not in [21, 22, 23, NULL]'),
    *_rules("dqdl-rule-types-Completeness.html",
            'Completeness "First_Name" > 0.95',
            'Completeness "First_Name" > 0.95 where "weightinkgs > 10"',
            'Completeness "colA" between min(last(5)) - 1 and max(last(5)) + 1',
            'Completeness "colA" <= avg(last(10))'),
    *_rules("dqdl-rule-types-CustomSql.html",
            'CustomSql "select count(*) from primary" between 10 and 20',
            'CustomSql "select Name from primary where Age  > 18"',
            'CustomSql "select Name from primary where Age > 18" with threshold  > 3',
            'CustomSql "select count(*) from database.table" between 10 and 20',
            'CustomSql "select count(*) from database.table inner join database.table2 on id1 = id2"'
            ' between 10 and 20',
            'CustomSql "select id from primary where age < 100"'),
    Example("dqdl-rule-types-CustomSql.html",
            'CustomSQL "select ID, CustomerID from primary where age > 10" with threshold > 0.5',
            ("unknown_rule_type",), note="rule types are case-sensitive; the type is CustomSql"),
    *_rules("dqdl-rule-types-DataFreshness.html",
            'DataFreshness "Order_Date" <= 24 hours',
            'DataFreshness "Order_Date" between 2 days and 5 days',
            '(DataFreshness "Order_Date" <= 24 hours) OR (ColumnValues "Order_Date" = NULL)'),
    Example("dqdl-rule-types-DataFreshness.html", 'Rules = [\n DataFreshness "file_ts" < 24 hours\n]'),
    *_rules("dqdl-rule-types-DatasetMatch.html",
            'DatasetMatch "reference" "ID" >= 0.9',
            'DatasetMatch "reference" "ID_1->ID_ref1,ID_ref2->ID_ref2" >= 0.9',
            'DatasetMatch "reference" "ID_1->ID_ref1,ID_2->ID_ref2" "Amount1->Amount2" >= 0.9'),
    *_rules("dqdl-rule-types-DistinctValuesCount.html",
            'DistinctValuesCount "State" > 3',
            'DistinctValuesCount "Customer_ID" < 6  where "Customer_ID < 10"',
            'DistinctValuesCount "colA" between avg(last(10))-1 and avg(last(10))+1',
            'DistinctValuesCount "colA" <= index(last(10),2) + std(last(5))'),
    *[Example("dqdl-rule-types-Distribution.html", text, ("approximate",)) for text in (
        'Analyzers = [\n    Distribution "Salary"\n]',
        'Analyzers = [\n    Distribution "Age" with bins = 10\n]',
        'Analyzers = [\n    Distribution AllColumns\n]',
        'Rules = [\n    RowCount > 100,\n    Completeness "Salary" > 0.9\n]\nAnalyzers = [\n'
        '    Mean "Salary",\n    StandardDeviation "Salary",\n    Distribution "Salary" with bins = 15,\n'
        '    Distribution "Department"\n]')],
    *_rules("dqdl-rule-types-Entropy.html",
            'Entropy "Star_Rating" > 1',
            'Entropy "First_Name" > 1  where "Customer_ID < 10"',
            'Entropy "colA" < max(last(10))',
            'Entropy "colA" between min(last(10)) and max(last(10))'),
    *_rules("dqdl-rule-types-IsComplete.html",
            'IsComplete "email"',
            'IsComplete "Email" where "Customer_ID between 1 and 50"',
            'IsComplete "Customer_ID"  where "Customer_ID < 16 and Customer_ID != 12"',
            'IsComplete "passenger_count" where "payment_type<>0"'),
    *_rules("dqdl-rule-types-IsPrimaryKey.html",
            'IsPrimaryKey "Customer_ID"',
            'IsPrimaryKey "Customer_ID" where "Customer_ID < 10"',
            'IsPrimaryKey "colA" "colB"',
            'IsPrimaryKey "colA" "colB" "colC"',
            'IsPrimaryKey colA "colB" "colC"'),
    *_rules("dqdl-rule-types-IsUnique.html",
            'IsUnique "email"',
            'IsUnique "Customer_ID" where "Customer_ID < 10"',
            'IsUnique "vendorid" "tpep_pickup_datetime"'),
    *_rules("dqdl-rule-types-Mean.html",
            'Mean "Star_Rating" > 3',
            'Mean "Salary" < 6200 where "Customer_ID < 10"',
            'Mean "colA" > avg(last(10)) + std(last(2))',
            'Mean "colA" between min(last(5)) - 1 and max(last(5)) + 1'),
    *_rules("dqdl-rule-types-ReferentialIntegrity.html",
            'ReferentialIntegrity "zipcode" "reference.zipcode" >= 0.9',
            'ReferentialIntegrity "city,state" "reference.{ref_city,ref_state}" = 1.0',
            'ReferentialIntegrity "city,state" "reference.{ref_city,ref_state}" > avg(last(10))',
            'ReferentialIntegrity "city,state" "reference.{ref_city,ref_state}" between min(last(10)) - 1'
            ' and max(last(10)) + 1'),
    *_rules("dqdl-rule-types-RowCount.html",
            'RowCount between 10 and 100',
            'RowCount between 1 and 50 where "Customer_ID < 10"',
            'RowCount > avg(last(10)) *0.8'),
    *_rules("dqdl-rule-types-RowCountMatch.html", 'RowCountMatch "reference" >= 0.9'),
    *_rules("dqdl-rule-types-StandardDeviation.html",
            'StandardDeviation "Star_Rating" < 1.5',
            'StandardDeviation "Salary" < 3500 where "Customer_ID < 10"',
            'StandardDeviation "colA" between min(last(10)) - 1 and max(last(10)) + 1'),
    Example("dqdl-rule-types-StandardDeviation.html", 'StandardDeviation "colA" > avg(last(10) + 0.1',
            syntax_error=(3, 1), note="unbalanced parenthesis on the page"),
    *_rules("dqdl-rule-types-Sum.html",
            'Sum "transaction_total" > 500000',
            'Sum "Salary" < 55600 where "Customer_ID < 10"',
            'Sum "ColA" > avg(last(10))',
            'Sum "colA" between min(last(10)) - 1 and max(last(10)) + 1'),
    *_rules("dqdl-rule-types-SchemaMatch.html", 'SchemaMatch "reference" = 1.0'),
    *_rules("dqdl-rule-types-Uniqueness.html",
            'Uniqueness "email" = 1.0',
            'Uniqueness "Customer_ID" != 1.0 where "Customer_ID < 10"',
            'Uniqueness "vendorid" "tpep_pickup_datetime" = 1',
            'Uniqueness "colA" between min(last(10)) and max(last(10))',
            'Uniqueness "colA" >= avg(last(10))'),
    *_rules("dqdl-rule-types-UniqueValueRatio.html",
            'UniqueValueRatio "test_score" between 0 and 0.5',
            'UniqueValueRatio "Customer_ID" between 0 and 0.9 where "Customer_ID < 10"',
            'UniqueValueRatio "colA" > avg(last(10))',
            'UniqueValueRatio "colA" <= index(last(10),2) + std(last(5))'),
    *_rules("dqdl-rule-types-DetectAnomalies.html",
            'DetectAnomalies "RowCount"',
            'DetectAnomalies "ColumnLength" "id"', problems=("approximate",)),
    *_rules("dqdl-rule-types-FileFreshness.html",
            'FileFreshness "s3://amzn-s3-demo-bucket/artifacts/file/tickets/tickets.parquet" > (now() - 24 hours)',
            'FileFreshness "s3://bucket/" >= (now() - 1 days)',
            'FileFreshness "s3://amzn-s3-demo-bucket/artifacts/file/tickets/" >= (now() - 24 hours)',
            'FileFreshness "s3://amzn-s3-demo-bucket/artifacts/file/tickets/" > (now() - 10 days) with threshold > 0.1',
            'FileFreshness "s3://amzn-s3-demo-bucket/artifacts/file/tickets/" > "2020-01-01"',
            'FileFreshness "s3://amzn-s3-demo-bucket/artifacts/file/tickets/" between "2023-01-01" and "2024-01-01"',
            'FileFreshness "s3://amzn-s3-demo-bucket/artifacts/file/tickets/" between (now() - 45 minutes) and now()',
            'FileFreshness "s3://amzn-s3-demo-bucket/artifacts/file/tickets/" between "9:30 AM" and "9:30 PM"',
            'FileFreshness "s3://amzn-s3-demo-bucket/artifacts/file/tickets/" > (now() - 10 minutes)',
            'FileFreshness "s3://amzn-s3-demo-bucket/artifacts/file/tickets/" > now()',
            'FileFreshness "s3://amzn-s3-demo-bucket/artifacts/file/tickets/" between (now() - 2 hours) and'
            ' (now() + 15 minutes)',
            'FileFreshness "s3://amzn-s3-demo-bucket/artifacts/file/tickets/" between (now() - 3 days) and'
            ' (now() + 15 minutes)',
            'FileFreshness "s3://amzn-s3-demo-bucket/artifacts/file/tickets/" between "2001-02-07" and'
            ' (now() + 15 minutes)',
            'FileFreshness "s3://amzn-s3-demo-bucket/artifacts/file/tickets/" > "21:45"',
            'FileFreshness "s3://amzn-s3-demo-bucket/artifacts/file/tickets/" > "2024-01-01"',
            'FileFreshness "s3://amzn-s3-demo-bucket/artifacts/file/tickets/" between "02:30" and "04:30"',
            'FileFreshness "s3://amzn-s3-demo-bucket/artifacts/file/tickets/" between "9:30 AM" and "22:15"',
            'FileFreshness "s3://amzn-s3-demo-bucket/" between (now() - 100 minutes) and (now() + 10 minutes)'
            ' with recentFiles = 1',
            'FileFreshness "s3://amzn-s3-demo-bucket/" > (now() - 24 hours) with uriRegex = "\\.csv$"',
            'FileFreshness "s3://amzn-s3-demo-bucket/" > (now() - 24 hours) with uriRegex = ".*orders_.*\\.parquet"',
            'FileFreshness "s3://amzn-s3-demo-bucket/" > (now() - 24 hours) with uriRegex = "(?!.*\\.tmp$).*"',
            'FileFreshness "s3://amzn-s3-demo-bucket/" > (now() - 24 hours) with recentFiles = 1 with'
            ' uriRegex = "inventory_" with filterOrder = ["uriRegex","recentFiles"]',
            'FileFreshness "s3://amzn-s3-demo-bucket/" > (now() - 24 hours) with failFast = "true"',
            'FileFreshness "s3://path/" > "21:45" with timeZone = "America/New_York"',
            'FileFreshness "s3://path/" > "21:45" with timeZone = "America/Chicago"',
            'FileFreshness "s3://path/" > "21:45" with timeZone = "Europe/Paris"',
            'FileFreshness "s3://path/" > "21:45" with timeZone = "Asia/Shanghai"',
            'FileFreshness "s3://path/" > "21:45" with timeZone = "Australia/Darwin"',
            'FileFreshness > (now() - 24 hours)'),
    *_rules("dqdl-rule-types-FileMatch.html",
            'FileMatch "s3://amzn-s3-demo-bucket/file.json" in ["3ee0d8617ac041793154713e5ef8f319"] with'
            ' hashAlgorithm = "MD5"',
            'FileMatch "s3://amzn-s3-demo-bucket/file.json" in ["3ee0d8617ac041793154713e5ef8f319"] with'
            ' hashAlgorithm = "SHA-1"',
            'FileMatch "s3://amzn-s3-demo-bucket/file.json" in ["3ee0d8617ac041793154713e5ef8f319"] with'
            ' hashAlgorithm = "SHA-256"',
            'FileMatch "s3://amzn-s3-demo-bucket/file.json" in ["3ee0d8617ac041793154713e5ef8f319"]',
            'FileMatch "s3://amzn-s3-demo-bucket /" in ["3ee0d8617ac041793154713e5ef8f319",'
            ' "7e8617ac041793154713e5ef8f319"] with hashAlgorithm = "MD5"',
            'FileMatch "s3://amzn-s3-demo-bucket /internal-folder/" in ["3ee0d8617ac041793154713e5ef8f319",'
            ' "7e8617ac041793154713e5ef8f319"]',
            'FileMatch "s3://original_bucket/" "s3://archive_bucket/"',
            'FileMatch "s3://original_bucket/internal-folder/" "s3://original_bucket/other-folder/"',
            'FileMatch "s3://original_bucket/" "s3://archive_bucket/" with uriRegex = "\\.json$"',
            'FileMatch "s3://original_bucket/" "s3://archive_bucket/" with recentFiles = 5 with uriRegex ='
            ' "\\.csv$" with filterOrder = ["uriRegex","recentFiles"]',
            'FileMatch "s3://amzn-s3-demo-bucket /file_old.json" "s3://amzn-s3-demo-bucket /file_new.json"',
            'FileMatch in ["3ee0d8617ac041793154713e5ef8f319"] with hashAlgorithm = "MD5"',
            'FileMatch in ["3ee0d8617ac041793154713e5ef8f319"] with hashAlgorithm = "SHA-1"',
            'FileMatch in ["3ee0d8617ac041793154713e5ef8f319"] with hashAlgorithm = "SHA-256"',
            'FileMatch in ["3ee0d8617ac041793154713e5ef8f319"]',
            'FileMatch "s3://bucket/" in ["3ee0d8617ac04179sam4713e5ef8f319"] with recentFiles = 1',
            'FileMatch "s3://bucket/" in ["3ee0d8617ac04179sam4713e5ef8f319"] with uriRegex = "\\.json$"',
            'FileMatch "s3://bucket/" in ["3ee0d8617ac04179sam4713e5ef8f319"] with uriRegex = "(?!.*\\.tmp$).*"',
            'FileMatch "s3://bucket/" in ["3ee0d8617ac04179sam4713e5ef8f319"] with recentFiles = 1 with'
            ' uriRegex = "\\.json$" with filterOrder = ["uriRegex","recentFiles"]',
            'FileMatch "s3://amzn-s3-demo-bucket/file.json" in ["3ee0d8617ac04179sam4713e5ef8f319"] with'
            ' matchFileName = "true"'),
    *_rules("dqdl-rule-types-FileSize.html",
            'FileSize "s3://amzn-s3-demo-bucket/file.dat" > 2 MB',
            'FileSize "s3://bucket/" > 5 B',
            'FileSize "s3://bucket/" < 2 GB',
            'FileSize "s3://amzn-s3-demo-bucket/" between 2 GB and 1 TB with threshold > 0.7',
            'FileSize < 10 MB with threshold > 0.7',
            'FileSize "s3://amzn-s3-demo-bucket/" > 5 B with recentFiles = 1',
            'FileSize "s3://bucket/" > 5 B with uriRegex = "\\.dat$"',
            'FileSize "s3://bucket/" > 5 B with uriRegex = "(?!.*\\.tmp$).*"',
            'FileSize "s3://bucket/" > 5 B with recentFiles = 5 with uriRegex = "\\.dat$" with filterOrder ='
            ' ["uriRegex","recentFiles"]',
            'FileSize "s3://bucket/" > 2 MB with failFast = "true"'),
    *_rules("dqdl-rule-types-FileUniqueness.html",
            'FileUniqueness "s3://bucket/" > 0.5',
            'FileUniqueness "s3://bucket/folder/" = 1',
            'FileUniqueness > 0.5',
            'FileUniqueness "s3://amzn-s3-demo-bucket/" > 0.5 with recentFiles = 1',
            'FileUniqueness "s3://bucket/" > 0.5 with uriRegex = "\\.csv$"',
            'FileUniqueness "s3://bucket/" > 0.5 with uriRegex = "(?!.*\\.tmp$).*"',
            'FileUniqueness "s3://bucket/" > 0.5 with recentFiles = 5 with uriRegex = "\\.csv$" with'
            ' filterOrder = ["uriRegex","recentFiles"]',
            'FileUniqueness "s3://amzn-s3-demo-bucket/" > 0.5 with matchFileName = "true"'),
]

# Rule types on the reference page without a published DQDL example of their own.
WITHOUT_EXAMPLE = {"AllStatistics": "listed in the table only", "Variance": "not on the page at all"}
