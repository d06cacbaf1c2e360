META
key;value
description;Two groups of voters, one a majority: equal shares serves both, greedy the majority
num_projects;5
num_votes;10
budget;100
vote_type;approval
rule;equal-shares
PROJECTS
project_id;cost;name
A1;40;Coffee morning
A2;40;Homework club
A3;20;Men's shed
B1;30;Youth football
B2;20;Debt-advice drop-in
VOTES
voter_id;vote
1;A1,A2,A3
2;A1,A2,A3
3;A1,A2,A3
4;A1,A2,A3
5;A1,A2,A3
6;A1,A3
7;B1,B2
8;B1,B2
9;B1
10;B1,B2
